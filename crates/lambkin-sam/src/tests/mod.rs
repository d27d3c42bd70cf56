//! Whole templates to plans: the shapes `sam init` makes, and templates using each feature together.

mod apis;
mod features;
mod mistakes;
mod shapes;

use std::path::PathBuf;

pub(super) use crate::*;

pub(super) fn options(stack: &str) -> Options {
    Options {
        base_dir: PathBuf::from("/home/dev/app"),
        region: "eu-west-1".to_owned(),
        account_id: "111122223333".to_owned(),
        ..Options::new(stack)
    }
}

pub(super) fn plan_of(text: &str) -> Plan {
    plan(text, &options("sam-app")).expect("plan")
}

pub(super) fn plan_err(text: &str) -> String {
    plan(text, &options("sam-app"))
        .expect_err("an error")
        .to_string()
}

pub(super) fn function<'p>(plan: &'p Plan, id: &str) -> &'p Function {
    plan.functions
        .iter()
        .find(|f| f.logical_id == id)
        .unwrap_or_else(|| panic!("no function {id}"))
}

pub(super) fn api<'p>(plan: &'p Plan, id: &str) -> &'p Api {
    plan.apis
        .iter()
        .find(|a| a.logical_id == id)
        .unwrap_or_else(|| panic!("no api {id}"))
}
