//! Template text (YAML or JSON) to a JSON value, CloudFormation's short-form tags turned into their long forms
//! (`!Sub x` → `{"Fn::Sub": x}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`).

use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

use crate::error::{child, SamError};

/// The short-form tags CloudFormation knows, each with its long form's key (`!Ref` → `Ref`).
const TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("Base64", "Fn::Base64"),
    ("ImportValue", "Fn::ImportValue"),
    ("GetAZs", "Fn::GetAZs"),
    ("Cidr", "Fn::Cidr"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
];

/// Parses a template: JSON when its first non-blank character is `{`, YAML otherwise.
pub fn parse(text: &str) -> Result<Value, SamError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| SamError::Syntax {
            format: "JSON",
            message: e.to_string(),
        });
    }
    let yaml: Yaml = serde_norway::from_str(text).map_err(|e| SamError::Syntax {
        format: "YAML",
        message: e.to_string(),
    })?;
    to_json(yaml, "")
}

fn to_json(yaml: Yaml, at: &str) -> Result<Value, SamError> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| to_json(v, &child(at, &i.to_string())))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    Yaml::Null => "null".to_owned(),
                    _ => {
                        return Err(SamError::at(
                            if at.is_empty() { "template" } else { at },
                            "a map key must be a plain scalar",
                        ))
                    }
                };
                let value = to_json(v, &child(at, &key))?;
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let short = name.trim_start_matches('!');
            let Some((_, long)) = TAGS.iter().find(|(t, _)| *t == short) else {
                return Err(SamError::at(
                    if at.is_empty() { "template" } else { at },
                    format!("unknown tag {name}: CloudFormation's short forms are !Ref, !Sub, !GetAtt, !Join, !If, !Equals, !Not, !And, !Or, !Select, !Split, !FindInMap, !Base64, !Condition, !ImportValue, !GetAZs, !Cidr, !Length, !ToJsonString and !Transform"),
                ));
            };
            let inner = to_json(tagged.value, &child(at, long))?;
            let inner = match (*long, inner) {
                // `!GetAtt Resource.Attribute`: the attribute is everything after the first dot.
                ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![
                        Value::String(resource.to_owned()),
                        Value::String(attribute.to_owned()),
                    ]),
                    None => {
                        return Err(SamError::at(
                            if at.is_empty() { "template" } else { at },
                            format!("!GetAtt {s}: expected Resource.Attribute"),
                        ))
                    }
                },
                // `!GetAZs` with no value means this region, as `!GetAZs ''` does.
                ("Fn::GetAZs", Value::Null) => Value::String(String::new()),
                (_, v) => v,
            };
            let mut map = Map::new();
            map.insert((*long).to_owned(), inner);
            Value::Object(map)
        }
    })
}

/// A YAML number as JSON: integers stay integers; a float keeps its value (`2.0` stays `2.0`); `.nan` and `.inf`,
/// which JSON cannot hold, become their text.
fn number(n: &serde_norway::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(n.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let v = parse(
            r#"
A: !Ref Stage
B: !Sub "${AWS::StackName}-x"
C: !Sub
  - "${A}-${B}"
  - A: !Ref X
    B: b
D: !GetAtt Fn.Arn
E: !GetAtt [Fn, Arn]
F: !GetAtt Api.RootResource.Id
G: !Join [",", [a, !Ref B]]
H: !If [IsProd, 1, !Ref "AWS::NoValue"]
I: !Equals [!Ref Env, prod]
J: !Not [!Condition IsProd]
K: !And [!Condition A, !Or [!Condition B, !Condition C]]
L: !Select [0, !Split [",", "a,b"]]
M: !FindInMap [Map, !Ref "AWS::Region", Key]
N: !Base64 hello
O: !ImportValue shared-vpc
P: !GetAZs ""
Q: !GetAZs
"#,
        )
        .expect("parse");
        assert_eq!(v["A"], json!({"Ref": "Stage"}));
        assert_eq!(v["B"], json!({"Fn::Sub": "${AWS::StackName}-x"}));
        assert_eq!(
            v["C"],
            json!({"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "X"}, "B": "b"}]})
        );
        assert_eq!(v["D"], json!({"Fn::GetAtt": ["Fn", "Arn"]}));
        assert_eq!(v["E"], json!({"Fn::GetAtt": ["Fn", "Arn"]}));
        assert_eq!(v["F"], json!({"Fn::GetAtt": ["Api", "RootResource.Id"]}));
        assert_eq!(v["G"], json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]}));
        assert_eq!(
            v["H"],
            json!({"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(v["I"], json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]}));
        assert_eq!(v["J"], json!({"Fn::Not": [{"Condition": "IsProd"}]}));
        assert_eq!(
            v["K"],
            json!({"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Condition": "B"}, {"Condition": "C"}]}]})
        );
        assert_eq!(
            v["L"],
            json!({"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]})
        );
        assert_eq!(
            v["M"],
            json!({"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]})
        );
        assert_eq!(v["N"], json!({"Fn::Base64": "hello"}));
        assert_eq!(v["O"], json!({"Fn::ImportValue": "shared-vpc"}));
        assert_eq!(v["P"], json!({"Fn::GetAZs": ""}));
        assert_eq!(v["Q"], json!({"Fn::GetAZs": ""}));
    }

    #[test]
    fn json_and_scalars() {
        let v = parse(r#" {"Resources": {"F": {"Type": "AWS::Lambda::Function"}}}"#).expect("json");
        assert_eq!(v["Resources"]["F"]["Type"], "AWS::Lambda::Function");
        let v = parse("A: 2.0\nB: 128\nC: true\nD: '2010-09-09'\n1: x\n").expect("yaml");
        assert_eq!(v["A"].to_string(), "2.0");
        assert_eq!(v["B"], json!(128));
        assert_eq!(v["C"], json!(true));
        assert_eq!(v["D"], "2010-09-09");
        assert_eq!(v["1"], "x");
    }

    #[test]
    fn errors_say_where() {
        let err = parse("Resources:\n  F:\n    Type: !Bogus x\n").expect_err("unknown tag");
        assert!(
            err.to_string()
                .starts_with("Resources.F.Type: unknown tag !Bogus"),
            "{err}"
        );
        let err = parse("A: !GetAtt NoDot\n").expect_err("bad getatt");
        assert!(
            err.to_string().contains("expected Resource.Attribute"),
            "{err}"
        );
        let err = parse("A: [1, 2\n").expect_err("syntax");
        assert!(
            matches!(err, SamError::Syntax { format: "YAML", .. }),
            "{err}"
        );
        let err = parse("{\"A\": }").expect_err("syntax");
        assert!(
            matches!(err, SamError::Syntax { format: "JSON", .. }),
            "{err}"
        );
        let err = parse("A: 1\nA: 2\n").expect_err("duplicate key");
        assert!(err.to_string().contains("duplicate"), "{err}");
    }
}
