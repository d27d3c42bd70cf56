//! stub
use crate::error::ApiResult;
pub fn verify(
    _k: &[(String, String)],
    _m: &str,
    _p: &str,
    _q: &str,
    _h: &[(String, String)],
    _b: &[u8],
) -> ApiResult<String> {
    Ok("us-east-1".into())
}
pub fn signed_region(_h: &[(String, String)], _q: &str) -> Option<String> {
    None
}
