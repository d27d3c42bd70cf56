//! Physical names as CloudFormation makes them for resources that do not name themselves, and the ARNs that
//! follow from names.

use sha2::{Digest, Sha256};

/// Lambda's limit on a function's name.
pub const FUNCTION_NAME_MAX: usize = 64;

/// Letters of a suffix: RFC 4648's base32 alphabet, upper case as CloudFormation's suffixes are.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Length of the suffix CloudFormation appends (it uses 12 or 13 random characters).
const SUFFIX_LEN: usize = 12;

/// The stable suffix of a generated name: 12 base32 characters of SHA-256(`stack` `/` `logical_id`), so a
/// second deploy of the same stack finds the same resource where CloudFormation would have kept it.
pub fn suffix(stack: &str, logical_id: &str) -> String {
    let digest = Sha256::digest(format!("{stack}/{logical_id}").as_bytes());
    let mut bits = u64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ]);
    let mut out = String::with_capacity(SUFFIX_LEN);
    for _ in 0..SUFFIX_LEN {
        out.push(char::from(BASE32[(bits >> 59) as usize]));
        bits <<= 5;
    }
    out
}

/// `<stack>-<logical_id>-<suffix>`, at most `max_len` characters: when too long, the stack's and the logical
/// id's parts are shortened (each keeps its start, and neither takes more than half of the room unless the other
/// leaves some), as CloudFormation does; the suffix is always whole.
pub fn physical_name(stack: &str, logical_id: &str, max_len: usize) -> String {
    let suffix = suffix(stack, logical_id);
    let room = max_len.saturating_sub(SUFFIX_LEN + 2);
    let (s, l) = (stack.chars().count(), logical_id.chars().count());
    let (keep_s, keep_l) = if s + l <= room {
        (s, l)
    } else {
        let half = room / 2;
        if s <= half {
            (s, room - s)
        } else if l <= room - half {
            (room - l, l)
        } else {
            (half, room - half)
        }
    };
    let stack: String = stack.chars().take(keep_s).collect();
    let logical: String = logical_id.chars().take(keep_l).collect();
    format!("{stack}-{logical}-{suffix}")
}

/// A function's ARN.
pub fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

/// A role's ARN.
pub fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// The name of the role SAM would create for a function that names none (`<LogicalId>Role`) in the stack:
/// `<stack>-<LogicalId>Role` ([`role_arn`] makes its ARN).
pub fn default_role_name(stack: &str, logical_id: &str) -> String {
    format!("{stack}-{logical_id}Role")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_is_stable_and_upper_base32() {
        let a = suffix("sam-app", "HelloWorldFunction");
        assert_eq!(a, suffix("sam-app", "HelloWorldFunction"));
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| BASE32.contains(&b)), "{a}");
        assert_ne!(a, suffix("sam-app", "OtherFunction"));
        assert_ne!(a, suffix("other-app", "HelloWorldFunction"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(suffix("ab", "c"), suffix("a", "bc"));
    }

    #[test]
    fn short_names_are_whole() {
        let n = physical_name("sam-app", "HelloWorldFunction", FUNCTION_NAME_MAX);
        assert_eq!(
            n,
            format!(
                "sam-app-HelloWorldFunction-{}",
                suffix("sam-app", "HelloWorldFunction")
            )
        );
    }

    #[test]
    fn long_names_are_shortened_to_64() {
        let stack = "a-very-long-stack-name-for-the-orders-service-in-production";
        let logical = "ProcessIncomingOrdersFromTheQueueFunction";
        let n = physical_name(stack, logical, FUNCTION_NAME_MAX);
        assert_eq!(n.len(), 64, "{n}");
        assert!(
            n.starts_with("a-very-long-stack-name-fo-ProcessIncomingOrdersFrom-"),
            "{n}"
        );
        assert!(n.ends_with(&suffix(stack, logical)), "{n}");
        assert_eq!(n, physical_name(stack, logical, FUNCTION_NAME_MAX));

        // A short stack leaves its room to the logical id, and the other way round.
        let n = physical_name("app", logical, 40);
        assert_eq!(
            n,
            format!("app-ProcessIncomingOrdersFr-{}", suffix("app", logical))
        );
        assert_eq!(n.len(), 40);
        let n = physical_name(stack, "Fn", 40);
        assert_eq!(
            n,
            format!("a-very-long-stack-name-f-Fn-{}", suffix(stack, "Fn"))
        );
        assert_eq!(n.len(), 40);
    }

    #[test]
    fn arns() {
        assert_eq!(
            function_arn("us-east-1", "123456789012", "f"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(
            role_arn("123456789012", &default_role_name("app", "Fn")),
            "arn:aws:iam::123456789012:role/app-FnRole"
        );
    }
}
