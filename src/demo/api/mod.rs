//! What a request is and how it is answered, whoever serves it: the request
//! target and its media type, `Status` answers, the user a request acts as,
//! the `Authorizer` and the stream hooks the server calls. `server/`,
//! `authz/` and `faults/` all build on this layer instead of on each other;
//! `demo::serve` plugs the policy and the fault injector into the server.

pub mod access;
pub mod request;
pub mod review;
pub mod status;
pub mod stream_faults;
pub mod user;
