//! Pattern parsing and matching, operator by operator, with the examples of Lambda's and EventBridge's
//! documentation where they give one.

use serde_json::{json, Value};

use super::*;
use crate::error::INVALID_PATTERN;

fn pattern(text: &str) -> Pattern {
    Pattern::parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.reason()))
}

fn matches(p: &str, event: Value) -> bool {
    pattern(p).matches(&event)
}

/// The refusal's reason, after checking it reads as Lambda's one message.
fn refused(text: &str) -> String {
    let err = Pattern::parse(text).expect_err(text);
    assert_eq!(err.to_string(), INVALID_PATTERN, "{text}");
    assert_eq!(err.exception(), "InvalidParameterValueException");
    err.reason().to_owned()
}

// ---- structure ----

#[test]
fn an_empty_pattern_matches_everything() {
    assert!(matches("{}", json!({})));
    assert!(matches("{}", json!({"a": 1})));
    assert!(matches(" { } ", json!([1, 2])));
}

#[test]
fn every_field_must_match() {
    let p = r#"{"Location": ["New York"], "Day": ["Monday"]}"#;
    assert!(matches(
        p,
        json!({"Location": "New York", "Day": "Monday", "x": 1})
    ));
    assert!(!matches(
        p,
        json!({"Location": "New York", "Day": "Tuesday"})
    ));
    assert!(!matches(p, json!({"Location": "New York"})));
}

#[test]
fn any_value_of_a_leaf_may_match() {
    let p = r#"{"PaymentType": ["Credit", "Debit"]}"#;
    assert!(matches(p, json!({"PaymentType": "Credit"})));
    assert!(matches(p, json!({"PaymentType": "Debit"})));
    assert!(!matches(p, json!({"PaymentType": "Cash"})));
}

#[test]
fn nested_objects_follow_the_event() {
    // Lambda's multi-level example: a DynamoDB key.
    let p = r#"{"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}"#;
    let event = json!({"dynamodb": {"Keys": {"Id": {"N": "101"}}, "SizeBytes": 26}});
    assert!(matches(p, event));
    assert!(!matches(
        p,
        json!({"dynamodb": {"Keys": {"Id": {"N": "102"}}}})
    ));
    assert!(!matches(p, json!({"dynamodb": {"Keys": {"Id": "101"}}})));
    assert!(!matches(p, json!({"dynamodb": "101"})));
    assert!(!matches(p, json!({})));
}

#[test]
fn dots_in_names_are_not_paths() {
    assert!(!matches(r#"{"a.b": ["x"]}"#, json!({"a": {"b": "x"}})));
    assert!(matches(r#"{"a.b": ["x"]}"#, json!({"a.b": "x"})));
}

#[test]
fn the_last_of_a_repeated_key_counts() {
    let p = r#"{"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}"#;
    assert!(matches(p, json!({"location": "eu-west"})));
    assert!(!matches(p, json!({"location": "us-east"})));
}

// ---- arrays in the event ----

#[test]
fn an_array_in_the_event_matches_when_any_element_does() {
    let p = r#"{"resources": ["arn:b", "arn:z"]}"#;
    assert!(matches(p, json!({"resources": ["arn:a", "arn:b"]})));
    assert!(!matches(p, json!({"resources": ["arn:a", "arn:c"]})));
    assert!(!matches(p, json!({"resources": []})));
    // Arrays of arrays are searched through.
    assert!(matches(p, json!({"resources": [["arn:a"], ["arn:z"]]})));
}

#[test]
fn an_object_pattern_matches_one_array_element_whole() {
    let event = json!({"employees": [
        {"firstName": "John", "lastName": "Doe"},
        {"firstName": "Anna", "lastName": "Smith"},
        {"firstName": "Peter", "lastName": "Jones"}
    ]});
    assert!(matches(
        r#"{"employees": {"firstName": ["Anna"]}}"#,
        event.clone()
    ));
    assert!(matches(
        r#"{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}"#,
        event.clone()
    ));
    // Fields of different elements never combine (Event Ruler's array-consistent matching).
    assert!(!matches(
        r#"{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}"#,
        event
    ));
}

#[test]
fn objects_in_an_array_are_not_leaf_values() {
    assert!(!matches(
        r#"{"a": [{"exists": true}]}"#,
        json!({"a": [{"b": 1}]})
    ));
    assert!(matches(
        r#"{"a": [{"exists": false}]}"#,
        json!({"a": [{"b": 1}]})
    ));
    assert!(matches(r#"{"a": [1]}"#, json!({"a": [{"b": 1}, 1]})));
}

// ---- null, empty, equals ----

#[test]
fn null_matches_an_explicit_null_only() {
    let p = r#"{"UserID": [null]}"#;
    assert!(matches(p, json!({"UserID": null})));
    assert!(!matches(p, json!({})));
    assert!(!matches(p, json!({"UserID": ""})));
    assert!(!matches(p, json!({"UserID": "null"})));
    assert!(matches(p, json!({"UserID": ["a", null]})));
}

#[test]
fn empty_matches_an_empty_string_only() {
    let p = r#"{"LastName": [""]}"#;
    assert!(matches(p, json!({"LastName": ""})));
    assert!(!matches(p, json!({"LastName": null})));
    assert!(!matches(p, json!({})));
    assert!(!matches(p, json!({"LastName": " "})));
}

#[test]
fn equals_is_exact_and_case_sensitive() {
    let p = r#"{"Name": ["Alice"]}"#;
    assert!(matches(p, json!({"Name": "Alice"})));
    assert!(!matches(p, json!({"Name": "alice"})));
    assert!(!matches(p, json!({"Name": "Alice "})));
    assert!(!matches(p, json!({"Name": ["Bob"]})));
}

#[test]
fn strings_and_numbers_and_booleans_are_different_values() {
    assert!(matches(r#"{"a": [5]}"#, json!({"a": 5})));
    assert!(!matches(r#"{"a": [5]}"#, json!({"a": "5"})));
    assert!(!matches(r#"{"a": ["5"]}"#, json!({"a": 5})));
    assert!(matches(r#"{"a": [true]}"#, json!({"a": true})));
    assert!(!matches(r#"{"a": [true]}"#, json!({"a": "true"})));
    assert!(!matches(r#"{"a": [false]}"#, json!({"a": null})));
}

#[test]
fn equal_numbers_are_equal_as_json_numbers_not_as_values() {
    // "For numbers, Lambda also uses string representation. For example, 300, 300.0, and 3.0e2 are not
    // considered equal." (300.0 and 3.0e2 read as the same float here: see the report.)
    assert!(!matches(r#"{"a": [300]}"#, json!({"a": 300.0})));
    assert!(!matches(r#"{"a": [5.0]}"#, json!({"a": 5})));
    assert!(matches(r#"{"a": [5.0]}"#, json!({"a": 5.0})));
    assert!(matches(r#"{"a": [-7]}"#, json!({"a": -7})));
    // numeric "=" compares values: 5 and 5.0 are equal there.
    assert!(matches(
        r#"{"a": [{"numeric": ["=", 5]}]}"#,
        json!({"a": 5.0})
    ));
    assert!(matches(
        r#"{"a": [{"numeric": ["=", 5.0]}]}"#,
        json!({"a": 5})
    ));
}

#[test]
fn equals_ignore_case() {
    let p = r#"{"Name": [{"equals-ignore-case": "alice"}]}"#;
    assert!(matches(p, json!({"Name": "Alice"})));
    assert!(matches(p, json!({"Name": "ALICE"})));
    assert!(matches(p, json!({"Name": "alice"})));
    assert!(!matches(p, json!({"Name": "alicia"})));
    assert!(!matches(p, json!({})));
    assert!(matches(
        r#"{"n": [{"equals-ignore-case": "ÉTÉ"}]}"#,
        json!({"n": "été"})
    ));
}

// ---- $or ----

#[test]
fn or_at_the_top() {
    let p = r#"{"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}"#;
    assert!(matches(p, json!({"Location": "New York"})));
    assert!(matches(p, json!({"Day": "Monday"})));
    assert!(!matches(p, json!({"Location": "Boston", "Day": "Sunday"})));
    assert!(!matches(p, json!({})));
}

#[test]
fn or_beside_other_fields_is_anded_with_them() {
    // source && (metricName || namespace)
    let p = r#"{
        "source": ["aws.cloudwatch"],
        "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]
    }"#;
    assert!(matches(
        p,
        json!({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})
    ));
    assert!(!matches(
        p,
        json!({"source": "aws.s3", "namespace": "AWS/EC2"})
    ));
    assert!(!matches(p, json!({"source": "aws.cloudwatch"})));
}

#[test]
fn or_nested_in_an_object_and_in_a_branch() {
    let p = r#"{
        "detail": {"$or": [{"a": [1]}, {"b": [2]}]},
        "$or": [
            {"x": ["x"]},
            {"y": ["y"], "$or": [{"id": [1234]}, {"space": [1000]}]}
        ]
    }"#;
    assert!(matches(p, json!({"detail": {"b": 2}, "x": "x"})));
    assert!(matches(
        p,
        json!({"detail": {"a": 1}, "y": "y", "space": 1000})
    ));
    assert!(!matches(p, json!({"detail": {"a": 1}, "y": "y"})));
    assert!(!matches(p, json!({"detail": {"c": 1}, "x": "x"})));
}

#[test]
fn or_branches_see_one_array_element_at_a_time() {
    let p = r#"{"items": {"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}}"#;
    assert!(matches(p, json!({"items": [{"c": 4}, {"a": 1, "c": 3}]})));
    assert!(!matches(p, json!({"items": [{"a": 1}, {"c": 3}]})));
}

#[test]
fn or_that_is_not_two_objects_is_a_field_of_that_name() {
    assert!(matches(r#"{"$or": ["x"]}"#, json!({"$or": "x"})));
    assert!(!matches(r#"{"$or": ["x"]}"#, json!({})));
    assert!(matches(
        r#"{"$or": {"a": ["x"]}}"#,
        json!({"$or": {"a": "x"}})
    ));
    // One object is not an OR, and as a field's conditions it is no operator.
    assert_eq!(
        refused(r#"{"$or": [{"a": ["x"]}]}"#),
        "Unrecognized match type a"
    );
}

// ---- anything-but ----

#[test]
fn anything_but_a_list() {
    let p = r#"{"Weather": [{"anything-but": ["Raining", "Snowing"]}]}"#;
    assert!(matches(p, json!({"Weather": "Sunny"})));
    assert!(!matches(p, json!({"Weather": "Raining"})));
    assert!(!matches(p, json!({"Weather": "Snowing"})));
    // The field must be there: absence is not "anything but".
    assert!(!matches(p, json!({})));
    // An array matches when any element is not excluded.
    assert!(matches(p, json!({"Weather": ["Raining", "Sunny"]})));
    assert!(!matches(p, json!({"Weather": ["Raining"]})));
}

#[test]
fn anything_but_one_value() {
    let p = r#"{"state": [{"anything-but": "initializing"}]}"#;
    assert!(matches(p, json!({"state": "running"})));
    assert!(!matches(p, json!({"state": "initializing"})));
    assert!(matches(p, json!({"state": "Initializing"})));
}

#[test]
fn anything_but_numbers_compares_numbers() {
    let p = r#"{"x-limit": [{"anything-but": [100, 200, 300]}]}"#;
    assert!(matches(p, json!({"x-limit": 150})));
    assert!(!matches(p, json!({"x-limit": 200})));
    assert!(!matches(p, json!({"x-limit": 200.0})));
    let one = r#"{"x-limit": [{"anything-but": 123}]}"#;
    assert!(!matches(one, json!({"x-limit": 123})));
    assert!(matches(one, json!({"x-limit": 124})));
}

#[test]
fn anything_but_prefix() {
    let p = r#"{"state": [{"anything-but": {"prefix": "init"}}]}"#;
    assert!(matches(p, json!({"state": "running"})));
    assert!(!matches(p, json!({"state": "initializing"})));
    assert!(!matches(p, json!({})));
}

#[test]
fn anything_but_suffix() {
    let p = r#"{"FileName": [{"anything-but": {"suffix": ".png"}}]}"#;
    assert!(matches(p, json!({"FileName": "a.jpg"})));
    assert!(!matches(p, json!({"FileName": "a.png"})));
    assert!(matches(p, json!({"FileName": "a.PNG"})));
}

#[test]
fn anything_but_ignore_case() {
    let p = r#"{"state": [{"anything-but": {"equals-ignore-case": ["Initializing", "stopped"]}}]}"#;
    assert!(!matches(p, json!({"state": "INITIALIZING"})));
    assert!(!matches(p, json!({"state": "Stopped"})));
    assert!(matches(p, json!({"state": "running"})));
    let one = r#"{"state": [{"anything-but": {"equals-ignore-case": "x"}}]}"#;
    assert!(!matches(one, json!({"state": "X"})));
}

// ---- numeric ----

#[test]
fn numeric_equals() {
    let p = r#"{"Price": [{"numeric": ["=", 100]}]}"#;
    assert!(matches(p, json!({"Price": 100})));
    assert!(matches(p, json!({"Price": 100.0})));
    assert!(!matches(p, json!({"Price": 100.5})));
    // Strings are never numbers, whatever they spell.
    assert!(!matches(p, json!({"Price": "100"})));
    assert!(!matches(p, json!({})));
}

#[test]
fn numeric_range() {
    let p = r#"{"Price": [{"numeric": [">", 10, "<=", 20]}]}"#;
    assert!(!matches(p, json!({"Price": 10})));
    assert!(matches(p, json!({"Price": 10.000001})));
    assert!(matches(p, json!({"Price": 15})));
    assert!(matches(p, json!({"Price": 20})));
    assert!(!matches(p, json!({"Price": 20.0001})));
    let closed = r#"{"t": [{"numeric": [">=", 0, "<", 1]}]}"#;
    assert!(matches(closed, json!({"t": 0})));
    assert!(matches(closed, json!({"t": 0.999})));
    assert!(!matches(closed, json!({"t": 1})));
}

#[test]
fn numeric_single_bounds_and_negative_and_float_numbers() {
    assert!(matches(
        r#"{"a": [{"numeric": ["<", 0]}]}"#,
        json!({"a": -0.5})
    ));
    assert!(!matches(
        r#"{"a": [{"numeric": ["<", 0]}]}"#,
        json!({"a": 0})
    ));
    assert!(matches(
        r#"{"a": [{"numeric": ["<=", -3]}]}"#,
        json!({"a": -3})
    ));
    assert!(matches(
        r#"{"a": [{"numeric": [">=", -3.5]}]}"#,
        json!({"a": -3})
    ));
    assert!(!matches(
        r#"{"a": [{"numeric": [">", -3.5]}]}"#,
        json!({"a": -4})
    ));
    assert!(matches(
        r#"{"a": [{"numeric": ["=", 3.018e2]}]}"#,
        json!({"a": 301.8})
    ));
    assert!(matches(
        r#"{"a": [{"numeric": [">", 1e9]}]}"#,
        json!({"a": 5000000000u64})
    ));
}

#[test]
fn numeric_matches_any_number_of_an_array() {
    let p = r#"{"a": [{"numeric": [">", 10]}]}"#;
    assert!(matches(p, json!({"a": [1, "x", 11]})));
    assert!(!matches(p, json!({"a": [1, "11"]})));
}

#[test]
fn numeric_on_a_dynamodb_number_string_does_not_match() {
    // DynamoDB streams give numbers as strings ("N": "101"): numeric never matches them.
    let p = r#"{"dynamodb": {"NewImage": {"age": {"N": [{"numeric": [">", 18]}]}}}}"#;
    assert!(!matches(
        p,
        json!({"dynamodb": {"NewImage": {"age": {"N": "30"}}}})
    ));
}

// ---- exists ----

#[test]
fn exists_true_needs_a_leaf_value() {
    let p = r#"{"ProductName": [{"exists": true}]}"#;
    assert!(matches(p, json!({"ProductName": "x"})));
    assert!(matches(p, json!({"ProductName": ""})));
    assert!(matches(p, json!({"ProductName": null})));
    assert!(matches(p, json!({"ProductName": 0})));
    assert!(matches(p, json!({"ProductName": ["a"]})));
    assert!(!matches(p, json!({})));
    assert!(!matches(p, json!({"ProductName": []})));
    // An object is an intermediate node, not a leaf.
    assert!(!matches(p, json!({"ProductName": {"c1": 100}})));
}

#[test]
fn exists_false_matches_absence_of_a_leaf() {
    let p = r#"{"detail": {"c-count": [{"exists": false}]}}"#;
    assert!(matches(p, json!({"detail": {"state": "running"}})));
    // EventBridge's own example: c-count is an object there, not a leaf, so it "does not exist".
    assert!(matches(p, json!({"detail": {"c-count": {"c1": 100}}})));
    assert!(matches(p, json!({"detail": {"c-count": []}})));
    assert!(!matches(p, json!({"detail": {"c-count": 5}})));
    assert!(!matches(p, json!({"detail": {"c-count": null}})));
    // The parents may be missing, or not objects, too.
    assert!(matches(p, json!({})));
    assert!(matches(p, json!({"detail": "flat"})));
}

#[test]
fn exists_false_in_an_array_of_objects_looks_at_each_element() {
    let p = r#"{"a": {"b": [{"exists": false}]}}"#;
    assert!(matches(p, json!({"a": [{"b": 1}, {"c": 2}]})));
    assert!(!matches(p, json!({"a": [{"b": 1}, {"b": 2}]})));
}

#[test]
fn exists_with_other_conditions_is_an_or() {
    let p = r#"{"a": ["x", {"exists": false}]}"#;
    assert!(matches(p, json!({"a": "x"})));
    assert!(matches(p, json!({})));
    assert!(!matches(p, json!({"a": "y"})));
}

// ---- prefix / suffix ----

#[test]
fn prefix() {
    let p = r#"{"Region": [{"prefix": "us-"}]}"#;
    assert!(matches(p, json!({"Region": "us-east-1"})));
    assert!(matches(p, json!({"Region": "us-"})));
    assert!(!matches(p, json!({"Region": "eu-west-1"})));
    assert!(!matches(p, json!({"Region": "US-east-1"})));
    assert!(!matches(p, json!({"Region": 5})));
    assert!(!matches(p, json!({})));
}

#[test]
fn prefix_ignoring_case() {
    let p = r#"{"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}"#;
    assert!(matches(p, json!({"service": "eventbridge"})));
    assert!(matches(p, json!({"service": "EVENTBRIDGE"})));
    assert!(!matches(p, json!({"service": "lambda"})));
}

#[test]
fn suffix_and_suffix_ignoring_case() {
    let p = r#"{"FileName": [{"suffix": ".png"}]}"#;
    assert!(matches(p, json!({"FileName": "image.png"})));
    assert!(!matches(p, json!({"FileName": "image.PNG"})));
    assert!(!matches(p, json!({"FileName": "image.png.txt"})));
    let ic = r#"{"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}"#;
    assert!(matches(ic, json!({"FileName": "image.PNG"})));
    assert!(!matches(ic, json!({"FileName": "image.gif"})));
}

// ---- a worked example from EventBridge's documentation ----

#[test]
fn the_complex_example() {
    let p = r#"{
        "time": [{"prefix": "2017-10-02"}],
        "detail": {
            "state": [{"anything-but": "initializing"}],
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"anything-but": [100, 200, 300]}]
        }
    }"#;
    let event = json!({
        "time": "2017-10-02T16:24:49Z",
        "detail": {"c-count": 5, "d-count": 3, "x-limit": 301.8, "state": "running"}
    });
    assert!(matches(p, event.clone()));
    let mut initializing = event;
    initializing["detail"]["state"] = json!("initializing");
    assert!(!matches(p, initializing));
}

// ---- refusals ----

#[test]
fn malformed_json_is_refused() {
    assert!(refused("").starts_with("Filter is not valid JSON"));
    assert!(refused("{\"a\": [").starts_with("Filter is not valid JSON"));
    assert!(refused("{'a': ['x']}").starts_with("Filter is not valid JSON"));
}

#[test]
fn a_pattern_that_is_not_an_object_is_refused() {
    for text in ["[]", "\"a\"", "1", "null", "true"] {
        assert_eq!(refused(text), "Filter is not an object", "{text}");
    }
}

#[test]
fn a_field_that_is_neither_object_nor_array_is_refused() {
    assert_eq!(
        refused(r#"{"a": "x"}"#),
        "\"a\" must be an object or an array"
    );
    assert_eq!(
        refused(r#"{"a": {"b": 1}}"#),
        "\"b\" must be an object or an array"
    );
    assert_eq!(
        refused(r#"{"a": null}"#),
        "\"a\" must be an object or an array"
    );
}

#[test]
fn an_empty_leaf_is_refused() {
    assert_eq!(refused(r#"{"a": []}"#), "Empty arrays are not allowed");
    assert_eq!(
        refused(r#"{"a": {"b": []}}"#),
        "Empty arrays are not allowed"
    );
}

#[test]
fn an_array_inside_a_leaf_is_refused() {
    assert_eq!(
        refused(r#"{"a": [["x"]]}"#),
        "Match value must be String, number, true, false, or null"
    );
}

#[test]
fn unknown_operators_are_refused() {
    assert_eq!(
        refused(r#"{"a": [{"contains": "x"}]}"#),
        "Unrecognized match type contains"
    );
    assert_eq!(
        refused(r#"{"a": [{"wildcard": "x*"}]}"#),
        "Unrecognized match type wildcard"
    );
    assert_eq!(
        refused(r#"{"a": [{"cidr": "10.0.0.0/8"}]}"#),
        "Unrecognized match type cidr"
    );
    assert_eq!(
        refused(r#"{"a": [{}]}"#),
        "Only one key allowed in match expression"
    );
    assert_eq!(
        refused(r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#),
        "Only one key allowed in match expression"
    );
}

#[test]
fn operators_with_the_wrong_argument_are_refused() {
    assert_eq!(
        refused(r#"{"a": [{"prefix": 1}]}"#),
        "prefix match pattern must be a string"
    );
    assert_eq!(
        refused(r#"{"a": [{"suffix": ["x"]}]}"#),
        "suffix match pattern must be a string"
    );
    assert_eq!(
        refused(r#"{"a": [{"equals-ignore-case": 1}]}"#),
        "equals-ignore-case match pattern must be a string"
    );
    assert_eq!(
        refused(r#"{"a": [{"prefix": {"equals-ignore-case": 1}}]}"#),
        "equals-ignore-case match pattern must be a string"
    );
    assert!(refused(r#"{"a": [{"prefix": {"suffix": "x"}}]}"#).starts_with("Unsupported prefix"));
    assert_eq!(
        refused(r#"{"a": [{"exists": "true"}]}"#),
        "exists match pattern must be either true or false."
    );
}

#[test]
fn bad_anything_but_is_refused() {
    let values = "Value of anything-but must be an array or single string/number value.";
    assert_eq!(refused(r#"{"a": [{"anything-but": null}]}"#), values);
    assert_eq!(refused(r#"{"a": [{"anything-but": true}]}"#), values);
    assert!(refused(r#"{"a": [{"anything-but": []}]}"#).starts_with("Inside anything but list"));
    assert!(
        refused(r#"{"a": [{"anything-but": ["x", 1]}]}"#).starts_with("Inside anything but list")
    );
    assert!(refused(r#"{"a": [{"anything-but": [null]}]}"#).starts_with("Inside anything but list"));
    assert_eq!(
        refused(r#"{"a": [{"anything-but": {"prefix": ["a", "b"]}}]}"#),
        "prefix match pattern must be a string"
    );
    assert_eq!(
        refused(r#"{"a": [{"anything-but": {"suffix": ""}}]}"#),
        "Null prefix/suffix not allowed"
    );
    assert_eq!(
        refused(r#"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"#),
        "Unsupported anything-but pattern: numeric"
    );
    assert_eq!(
        refused(r#"{"a": [{"anything-but": {"equals-ignore-case": [1]}}]}"#),
        values
    );
}

#[test]
fn bad_numeric_is_refused() {
    let cases = [
        (
            r#"{"a": [{"numeric": 5}]}"#,
            "Value of numeric must be an array.",
        ),
        (
            r#"{"a": [{"numeric": []}]}"#,
            "Invalid member in numeric match: ]",
        ),
        (
            r#"{"a": [{"numeric": [5]}]}"#,
            "Invalid member in numeric match: 5",
        ),
        (
            r#"{"a": [{"numeric": ["==", 5]}]}"#,
            "Unrecognized numeric range operator: ==",
        ),
        (
            r#"{"a": [{"numeric": ["!=", 5]}]}"#,
            "Unrecognized numeric range operator: !=",
        ),
        (
            r#"{"a": [{"numeric": ["=", "5"]}]}"#,
            "Value of equals must be numeric",
        ),
        (
            r#"{"a": [{"numeric": [">"]}]}"#,
            "Value of > must be numeric",
        ),
        (
            r#"{"a": [{"numeric": ["=", 5, "<", 6]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, ">", 6]}]}"#,
            "Bad numeric range operator",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, 6]}]}"#,
            "Bad value in numeric range: 6",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", "6"]}]}"#,
            "Value of < must be numeric",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", 6, "<=", 5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", 0, "<", 5, "<", 9]}]}"#,
            "Too many terms in numeric range expression",
        ),
    ];
    for (text, reason) in cases {
        assert_eq!(refused(text), reason, "{text}");
    }
}

#[test]
fn a_refusal_anywhere_refuses_the_pattern() {
    assert_eq!(
        refused(r#"{"ok": ["x"], "$or": [{"a": ["x"]}, {"b": [{"numeric": 1}]}]}"#),
        "Value of numeric must be an array."
    );
    assert_eq!(
        refused(r#"{"$or": [{"a": ["x"]}, {"b": {"c": "d"}}]}"#),
        "\"c\" must be an object or an array"
    );
}

// ---- records' messages ----

#[test]
fn sqs_json_body_is_filtered_as_json() {
    // Lambda's SQS example: RequestCode in a JSON body.
    let p = pattern(r#"{"body": {"RequestCode": ["BBBB"]}}"#);
    let record = json!({"messageId": "059f36b4", "body": "...", "eventSource": "aws:sqs"});
    let bbbb = crate::with_json_body(
        &record,
        "body",
        r#"{"RecordNumber": 1234, "RequestCode": "BBBB"}"#,
    );
    let aaaa = crate::with_json_body(
        &record,
        "body",
        r#"{"RecordNumber": 1234, "RequestCode": "AAAA"}"#,
    );
    assert!(p.matches_record(&bbbb, "body", Mismatch::Drop));
    assert!(!p.matches_record(&aaaa, "body", Mismatch::Drop));
}

#[test]
fn sqs_mismatched_formats_drop_the_message() {
    let record = json!({"messageId": "1"});
    let plain = crate::with_json_body(&record, "body", "RequestCode=BBBB");
    let json = crate::with_json_body(&record, "body", r#"{"RequestCode": "BBBB"}"#);
    // Plain string body, JSON pattern: dropped.
    let json_pattern = pattern(r#"{"body": {"RequestCode": ["BBBB"]}}"#);
    assert!(!json_pattern.matches_record(&plain, "body", Mismatch::Drop));
    // JSON body, plain-string pattern: dropped, even by a pattern that would otherwise pass it.
    let plain_pattern = pattern(r#"{"body": [{"anything-but": "nothing"}]}"#);
    assert!(!plain_pattern.matches_record(&json, "body", Mismatch::Drop));
    assert!(plain_pattern.matches_record(&plain, "body", Mismatch::Drop));
    // Plain string body, plain-string pattern: filtered.
    let prefix = pattern(r#"{"body": [{"prefix": "RequestCode="}]}"#);
    assert!(prefix.matches_record(&plain, "body", Mismatch::Drop));
}

#[test]
fn a_pattern_without_the_message_field_filters_on_metadata() {
    let p = pattern(r#"{"attributes": {"SenderId": ["AID"]}}"#);
    for raw in ["plain", r#"{"a": 1}"#] {
        let record =
            crate::with_json_body(&json!({"attributes": {"SenderId": "AID"}}), "body", raw);
        assert!(p.matches_record(&record, "body", Mismatch::Drop), "{raw}");
    }
}

#[test]
fn kafka_mismatch_filters_on_the_other_fields_only() {
    let p = pattern(r#"{"topic": ["mytopic"], "value": {"device_ID": [{"prefix": "AB"}]}}"#);
    let base = json!({"topic": "mytopic", "partition": 0});
    let plain = crate::with_json_body(&base, "value", "Hello, this is a test.");
    assert!(p.matches_record(&plain, "value", Mismatch::MetadataOnly));
    let other_topic = crate::with_json_body(&json!({"topic": "t2"}), "value", "Hello");
    assert!(!p.matches_record(&other_topic, "value", Mismatch::MetadataOnly));
    // Not UTF-8: the caller removed the field; the rest still decides.
    assert!(p.matches_record(&base, "value", Mismatch::MetadataOnly));
    // Formats agree: the message decides too.
    let json_ok = crate::with_json_body(&base, "value", r#"{"device_ID": "AB1234"}"#);
    let json_no = crate::with_json_body(&base, "value", r#"{"device_ID": "CD1234"}"#);
    assert!(p.matches_record(&json_ok, "value", Mismatch::MetadataOnly));
    assert!(!p.matches_record(&json_no, "value", Mismatch::MetadataOnly));
    // Kafka's plain-string example: ignore messages that are "error".
    let not_error = pattern(r#"{"value": [{"anything-but": ["error"]}]}"#);
    let error = crate::with_json_body(&base, "value", "error");
    let fine = crate::with_json_body(&base, "value", "fine");
    assert!(!not_error.matches_record(&error, "value", Mismatch::MetadataOnly));
    assert!(not_error.matches_record(&fine, "value", Mismatch::MetadataOnly));
}

#[test]
fn kinesis_data_is_filtered_as_json() {
    // Lambda's Kinesis example, on the record's `kinesis` object.
    let p = pattern(r#"{"data": {"order": {"type": ["buy"]}}}"#);
    let kinesis = json!({"partitionKey": "1", "data": "eyJ..."});
    let buy = crate::with_json_body(
        &kinesis,
        "data",
        r#"{"record": 12345, "order": {"type": "buy", "stock": "ANYCO", "quantity": 1000}}"#,
    );
    let sell = crate::with_json_body(&kinesis, "data", r#"{"order": {"type": "sell"}}"#);
    let text = crate::with_json_body(&kinesis, "data", "buy");
    assert!(p.matches_record(&buy, "data", Mismatch::Drop));
    assert!(!p.matches_record(&sell, "data", Mismatch::Drop));
    assert!(!p.matches_record(&text, "data", Mismatch::Drop));
}
