//! Bearer tokens to users, and the middleware that attaches the user to
//! each request.

use std::io::Read;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::demo::api::status;
use crate::demo::api::user::User;
use crate::demo::error::ApiError;

/// The demo's two users.
impl User {
    pub fn admin() -> User {
        User {
            name: super::ADMIN_USER.into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            admin: true,
        }
    }

    pub fn restricted() -> User {
        User {
            name: super::RESTRICTED_USER.into(),
            groups: vec!["system:authenticated".into()],
            admin: false,
        }
    }
}

/// The tokens this server accepts. Never printed: `Debug` hides them.
pub struct Auth {
    restricted_token: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth { .. }")
    }
}

impl Auth {
    /// A fresh random token for the restricted user.
    pub fn generate() -> anyhow::Result<Auth> {
        let mut bytes = [0u8; 24];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| anyhow::anyhow!("cannot read /dev/urandom for a demo token: {e}"))?;
        Ok(Auth {
            restricted_token: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    #[cfg(test)]
    pub fn with_token(token: &str) -> Auth {
        Auth {
            restricted_token: token.into(),
        }
    }

    /// For the kubeconfig file only.
    pub fn restricted_token(&self) -> &str {
        &self.restricted_token
    }

    /// The user a request acts as: its own, or the one it impersonates
    /// (`Impersonate-User`, as `kubectl --as` sends). kubectl never sends a
    /// bearer token over plain http, so `--as demo-restricted` is how
    /// kubectl speaks for the restricted user here.
    pub fn acting_user(
        &self,
        authorization: Option<&str>,
        impersonate: Option<&str>,
    ) -> Result<User, ApiError> {
        let user = self.user(authorization)?;
        let Some(name) = impersonate else {
            return Ok(user);
        };
        if !user.admin {
            return Err(ApiError::forbidden(format!(
                "users \"{name}\" is forbidden: User \"{}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                user.name
            )));
        }
        match name {
            super::RESTRICTED_USER => Ok(User::restricted()),
            super::ADMIN_USER => Ok(user),
            other => Err(ApiError::forbidden(format!(
                "users \"{other}\" is forbidden: the demo cluster knows only the users {:?} and {:?}",
                super::ADMIN_USER,
                super::RESTRICTED_USER
            ))),
        }
    }

    /// `None` for no credentials (the administrator); `Err` for a token
    /// nobody has.
    pub fn user(&self, authorization: Option<&str>) -> Result<User, ApiError> {
        let Some(value) = authorization else {
            return Ok(User::admin());
        };
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        if constant_time_eq(token.as_bytes(), self.restricted_token.as_bytes()) {
            Ok(User::restricted())
        } else {
            Err(unauthorized())
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError {
        code: 401,
        reason: "Unauthorized",
        message: "Unauthorized".into(),
        details: None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves the user and stores it in the request's extensions.
pub async fn layer(State(auth): State<Arc<Auth>>, mut req: Request, next: Next) -> Response {
    // Resolved before any await: a borrow of the request held across one
    // would make the future !Send.
    let acting = {
        let text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        auth.acting_user(
            text(header::AUTHORIZATION.as_str()),
            text("impersonate-user"),
        )
    };
    match acting {
        Ok(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        Err(e) => status::error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_map_to_users() {
        let auth = Auth::with_token("abc123");
        assert_eq!(auth.user(None).unwrap(), User::admin());
        assert_eq!(
            auth.user(Some("Bearer abc123")).unwrap(),
            User::restricted()
        );
        for bad in ["Bearer abc124", "Bearer ", "Basic abc123", "abc123"] {
            assert_eq!(auth.user(Some(bad)).unwrap_err().code, 401, "{bad}");
        }
        assert!(!format!("{auth:?}").contains("abc123"));
    }

    #[test]
    fn only_the_admin_impersonates() {
        let auth = Auth::with_token("abc123");
        let as_restricted = auth.acting_user(None, Some("demo-restricted")).unwrap();
        assert_eq!(as_restricted, User::restricted());
        let e = auth
            .acting_user(Some("Bearer abc123"), Some("kubernetes-admin"))
            .unwrap_err();
        assert_eq!(e.code, 403);
        assert_eq!(
            auth.acting_user(None, Some("mallory")).unwrap_err().code,
            403
        );
        assert_eq!(auth.acting_user(None, None).unwrap(), User::admin());
    }

    #[test]
    fn generated_tokens_differ() {
        let a = Auth::generate().unwrap();
        let b = Auth::generate().unwrap();
        assert_eq!(a.restricted_token().len(), 48);
        assert_ne!(a.restricted_token(), b.restricted_token());
    }
}
