//! The template's `Conditions`, each evaluated once over the parameters (conditions may refer to parameters,
//! mappings and each other, never to resources).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::{child, kind, SamError};
use crate::eval::{args, scalar_string, Scope};

/// Evaluates the template's `Conditions` section, every condition (each once, in any order; cycles are errors).
pub(crate) fn conditions(
    section: Option<&Value>,
    scope: &Scope<'_>,
) -> Result<BTreeMap<String, bool>, SamError> {
    let defs = match section {
        None => return Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SamError::at(
                "Conditions",
                format!("expected a map of conditions, found {}", kind(other)),
            ))
        }
    };
    let mut done = BTreeMap::new();
    for name in defs.keys() {
        let mut visiting = BTreeSet::new();
        condition(
            name,
            defs,
            scope,
            &mut done,
            &mut visiting,
            &format!("Conditions.{name}"),
        )?;
    }
    Ok(done)
}

fn condition(
    name: &str,
    defs: &Map<String, Value>,
    scope: &Scope<'_>,
    done: &mut BTreeMap<String, bool>,
    visiting: &mut BTreeSet<String>,
    at: &str,
) -> Result<bool, SamError> {
    if let Some(&v) = done.get(name) {
        return Ok(v);
    }
    let Some(def) = defs.get(name) else {
        return Err(SamError::at(
            at,
            format!("no condition named {name} in Conditions"),
        ));
    };
    if !visiting.insert(name.to_owned()) {
        return Err(SamError::at(
            at,
            format!("condition {name} depends on itself"),
        ));
    }
    let v = condition_expr(
        def,
        defs,
        scope,
        done,
        visiting,
        &format!("Conditions.{name}"),
    )?;
    visiting.remove(name);
    done.insert(name.to_owned(), v);
    Ok(v)
}

fn condition_expr(
    v: &Value,
    defs: &Map<String, Value>,
    scope: &Scope<'_>,
    done: &mut BTreeMap<String, bool>,
    visiting: &mut BTreeSet<String>,
    at: &str,
) -> Result<bool, SamError> {
    let single = v
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next());
    let Some((f, arg)) = single else {
        return Err(SamError::at(
            at,
            format!("expected a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), found {}", kind(v)),
        ));
    };
    let at = child(at, f);
    match f.as_str() {
        "Condition" => match arg {
            Value::String(other) => condition(other, defs, scope, done, visiting, &at),
            v => Err(SamError::at(at, format!("Condition names a condition, found {}", kind(v)))),
        },
        "Fn::Equals" => {
            let a = args(arg, &at, f, &[2])?;
            let left = scope.eval(&a[0], &child(&at, "0"))?;
            let right = scope.eval(&a[1], &child(&at, "1"))?;
            Ok(comparable(left) == comparable(right))
        }
        "Fn::Not" => {
            let a = args(arg, &at, f, &[1])?;
            Ok(!condition_expr(&a[0], defs, scope, done, visiting, &child(&at, "0"))?)
        }
        "Fn::And" | "Fn::Or" => {
            let a = args(arg, &at, f, &[2, 3, 4, 5, 6, 7, 8, 9, 10])?;
            let mut values = Vec::with_capacity(a.len());
            for (i, c) in a.iter().enumerate() {
                values.push(condition_expr(c, defs, scope, done, visiting, &child(&at, &i.to_string()))?);
            }
            Ok(if f == "Fn::And" {
                values.iter().all(|b| *b)
            } else {
                values.iter().any(|b| *b)
            })
        }
        other => Err(SamError::at(
            at.clone(),
            format!("{other} is not a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)"),
        )),
    }
}

/// CloudFormation compares values as strings: `1` equals `"1"`.
fn comparable(v: Option<Value>) -> Option<Value> {
    v.map(|v| match scalar_string(&v) {
        Some(s) => Value::String(s),
        None => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_are_evaluated_with_references_and_cycles_caught() {
        let params: BTreeMap<String, Value> =
            [("Stage".to_owned(), json!("prod"))].into_iter().collect();
        let mappings = json!({"Sizes": {"dev": {"Memory": 128}}})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let none = BTreeMap::new();
        let resources = BTreeMap::new();
        let scope = Scope {
            region: "eu-west-1",
            account: "123456789012",
            stack: "app",
            params: &params,
            conditions: &none,
            mappings: &mappings,
            resources: &resources,
            layer_refs: false,
        };
        let section = json!({
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [1, "1"]}]},
            "Either": {"Fn::Or": [{"Condition": "IsNotProd"}, {"Fn::Equals": [{"Fn::FindInMap": ["Sizes", "dev", "Memory"]}, 128]}]},
            "InEu": {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}, "eu"]}
        });
        let c = conditions(Some(&section), &scope).expect("conditions");
        assert!(c["IsProd"]);
        assert!(!c["IsNotProd"]);
        assert!(c["Both"]);
        assert!(c["Either"]);
        assert!(c["InEu"]);

        let cyclic = json!({"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Condition": "A"}});
        let e = conditions(Some(&cyclic), &scope)
            .expect_err("cycle")
            .to_string();
        assert!(e.contains("depends on itself"), "{e}");
        let bad = json!({"A": {"Fn::Sub": "x"}});
        let e = conditions(Some(&bad), &scope)
            .expect_err("not a condition")
            .to_string();
        assert!(
            e.starts_with("Conditions.A.Fn::Sub: Fn::Sub is not a condition function"),
            "{e}"
        );
        let e = conditions(Some(&json!({"A": {"Condition": "Nope"}})), &scope)
            .expect_err("missing")
            .to_string();
        assert!(e.contains("no condition named Nope"), "{e}");
        let e = conditions(
            Some(&json!({"A": {"Fn::Equals": [{"Ref": "Queue"}, "x"]}})),
            &scope,
        )
        .expect_err("a resource")
        .to_string();
        assert_eq!(
            e,
            "Conditions.A.Fn::Equals.0.Ref: no parameter named Queue (only parameters may be referred to here)"
        );
    }
}
