//! Who is asking: the user a request acts as. Authentication
//! (`demo::authz::authn`) attaches it to the request; authorization and the
//! handlers read it.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
    pub admin: bool,
}
