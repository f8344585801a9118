//! The arithmetic of a rolling update (pkg/controller/deployment/rolling.go
//! and util/deployment_util.go) as pure functions over replica counts, so it
//! can be tested and property-checked without a cluster.

use serde_json::Value;

use crate::demo::intstr::int_or_percent;

/// `(maxSurge, maxUnavailable)` as counts; both zero would deadlock, so then
/// one pod may be unavailable.
pub fn resolve_fenceposts(
    surge: Option<&Value>,
    unavailable: Option<&Value>,
    replicas: i64,
) -> (i64, i64) {
    let quarter = Value::String("25%".into());
    let s = int_or_percent(surge.unwrap_or(&quarter), replicas, true)
        .unwrap_or(0)
        .max(0);
    let u = int_or_percent(unavailable.unwrap_or(&quarter), replicas, false)
        .unwrap_or(0)
        .max(0);
    if s == 0 && u == 0 {
        (0, 1)
    } else {
        (s, u)
    }
}

/// One ReplicaSet as the rollout math sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsCounts {
    /// `spec.replicas`.
    pub desired: i64,
    /// `status.availableReplicas`.
    pub available: i64,
}

/// How far the new ReplicaSet may grow (`NewRSNewReplicas`, rolling case).
pub fn new_rs_replicas(replicas: i64, max_surge: i64, all_desired: i64, new_desired: i64) -> i64 {
    if new_desired >= replicas {
        return replicas;
    }
    let max_total = replicas + max_surge;
    if all_desired >= max_total {
        return new_desired;
    }
    let up = (max_total - all_desired).min(replicas - new_desired);
    new_desired + up.max(0)
}

/// New sizes for old ReplicaSets (given oldest first) in one sync: first drop
/// their unhealthy pods, then scale down while availability stays above
/// `replicas - maxUnavailable`.
pub fn scale_down_old(
    replicas: i64,
    max_unavailable: i64,
    new: RsCounts,
    old: &[RsCounts],
) -> Vec<i64> {
    let mut sizes: Vec<i64> = old.iter().map(|o| o.desired).collect();
    let old_total: i64 = sizes.iter().sum();
    if old_total == 0 {
        return sizes;
    }
    let all_pods = old_total + new.desired;
    let min_available = replicas - max_unavailable;
    let new_unavailable = new.desired - new.available;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return sizes;
    }
    // Unhealthy replicas first: removing them costs no availability.
    let mut cleaned = 0;
    for (size, o) in sizes.iter_mut().zip(old) {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = (*size - o.available).max(0);
        if *size == 0 || unhealthy == 0 {
            continue;
        }
        let down = (max_scaled_down - cleaned).min(unhealthy);
        *size -= down;
        cleaned += down;
    }
    let available: i64 = old.iter().map(|o| o.available).sum::<i64>() + new.available;
    if available <= min_available {
        return sizes;
    }
    let budget = available - min_available;
    let mut scaled = 0;
    for size in sizes.iter_mut() {
        if scaled >= budget {
            break;
        }
        if *size == 0 {
            continue;
        }
        let down = (*size).min(budget - scaled);
        *size -= down;
        scaled += down;
    }
    sizes
}

/// One ReplicaSet in proportional scaling.
#[derive(Debug, Clone, Copy)]
pub struct Proportion {
    pub desired: i64,
    /// The `deployment.kubernetes.io/max-replicas` annotation, if present.
    pub max_replicas: Option<i64>,
}

/// Proportional scaling when a Deployment is resized mid-rollout: each active
/// ReplicaSet gets a share matching its size; leftovers go to the first one.
/// `rss` must be ordered like upstream: larger first when growing, smaller
/// first when shrinking, newer first on ties. Returns new sizes.
pub fn proportional_sizes(
    replicas: i64,
    max_surge: i64,
    status_replicas: i64,
    rss: &[Proportion],
) -> Vec<i64> {
    let all: i64 = rss.iter().map(|r| r.desired).sum();
    let allowed = if replicas > 0 {
        replicas + max_surge
    } else {
        0
    };
    let to_add = allowed - all;
    let mut sizes: Vec<i64> = rss.iter().map(|r| r.desired).collect();
    if to_add == 0 {
        return sizes;
    }
    let mut added = 0;
    for (size, rs) in sizes.iter_mut().zip(rss) {
        if rs.desired == 0 || to_add == added {
            continue;
        }
        let fraction = if replicas == 0 {
            -rs.desired
        } else {
            let target = replicas + max_surge;
            let annotated = rs
                .max_replicas
                .filter(|m| *m > 0)
                .unwrap_or(status_replicas.max(1));
            ((rs.desired * target) as f64 / annotated as f64).round() as i64 - rs.desired
        };
        let allowed_now = to_add - added;
        let proportion = if to_add > 0 {
            fraction.min(allowed_now)
        } else {
            fraction.max(allowed_now)
        };
        *size += proportion;
        added += proportion;
    }
    if let Some(first) = sizes.first_mut() {
        *first = (*first + to_add - added).max(0);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn percentages_round_like_upstream() {
        // Semantics reference: 10 replicas -> at most 13 pods, at least 8 available.
        assert_eq!(resolve_fenceposts(None, None, 10), (3, 2));
        assert_eq!(resolve_fenceposts(None, None, 1), (1, 0));
        assert_eq!(
            resolve_fenceposts(Some(&json!(0)), Some(&json!("0%")), 5),
            (0, 1)
        );
        assert_eq!(
            resolve_fenceposts(Some(&json!(2)), Some(&json!(1)), 5),
            (2, 1)
        );
    }

    #[test]
    fn new_replicaset_growth_respects_surge() {
        assert_eq!(new_rs_replicas(10, 3, 10, 0), 3);
        assert_eq!(new_rs_replicas(10, 3, 13, 3), 3);
        assert_eq!(new_rs_replicas(10, 3, 11, 3), 5);
        assert_eq!(new_rs_replicas(2, 1, 2, 0), 1);
        assert_eq!(new_rs_replicas(5, 2, 4, 4), 5);
    }

    #[test]
    fn old_replicasets_shrink_within_availability() {
        let new = RsCounts {
            desired: 3,
            available: 0,
        };
        let old = [RsCounts {
            desired: 10,
            available: 10,
        }];
        // 13 pods, 8 must stay available, 3 new ones are not yet available.
        assert_eq!(scale_down_old(10, 2, new, &old), vec![8]);
        // Unhealthy old pods go first, within the same budget (13 - 8 - 3 = 2).
        let old = [RsCounts {
            desired: 10,
            available: 7,
        }];
        assert_eq!(scale_down_old(10, 2, new, &old), vec![8]);
        let new = RsCounts {
            desired: 10,
            available: 10,
        };
        assert_eq!(
            scale_down_old(
                10,
                2,
                new,
                &[RsCounts {
                    desired: 2,
                    available: 2
                }]
            ),
            vec![0]
        );
    }

    /// A whole rollout simulated with pods becoming available one sync later:
    /// pods never exceed replicas + surge, availability never drops below
    /// replicas - unavailable, and it completes.
    #[test]
    fn rollout_bounds_hold() {
        for replicas in 1..=12i64 {
            for (surge, unavail) in [
                (json!("25%"), json!("25%")),
                (json!(1), json!(0)),
                (json!(0), json!(1)),
                (json!("50%"), json!("10%")),
            ] {
                let (s, u) = resolve_fenceposts(Some(&surge), Some(&unavail), replicas);
                let mut new = RsCounts {
                    desired: 0,
                    available: 0,
                };
                let mut old = vec![RsCounts {
                    desired: replicas,
                    available: replicas,
                }];
                for _ in 0..200 {
                    let all: i64 = old.iter().map(|o| o.desired).sum::<i64>() + new.desired;
                    new.desired = new_rs_replicas(replicas, s, all, new.desired);
                    let sizes = scale_down_old(replicas, u, new, &old);
                    for (o, size) in old.iter_mut().zip(sizes) {
                        o.desired = size;
                        o.available = o.available.min(size);
                    }
                    let pods: i64 = old.iter().map(|o| o.desired).sum::<i64>() + new.desired;
                    let avail: i64 = old.iter().map(|o| o.available).sum::<i64>() + new.available;
                    assert!(
                        pods <= replicas + s,
                        "{replicas} {surge} {unavail}: {pods} pods"
                    );
                    assert!(
                        avail >= replicas - u,
                        "{replicas} {surge} {unavail}: {avail} available"
                    );
                    new.available = new.desired;
                    if new.available == replicas && old.iter().all(|o| o.desired == 0) {
                        break;
                    }
                }
                assert_eq!(new.desired, replicas);
                assert!(
                    old.iter().all(|o| o.desired == 0),
                    "{replicas} {surge} {unavail}"
                );
            }
        }
    }

    #[test]
    fn proportional_scaling_splits_by_size() {
        // Mid-rollout 10 -> 20 replicas (surge 3): 8 old + 5 new grow to 23 pods.
        let rss = [
            Proportion {
                desired: 8,
                max_replicas: Some(13),
            },
            Proportion {
                desired: 5,
                max_replicas: Some(13),
            },
        ];
        let sizes = proportional_sizes(20, 5, 13, &rss);
        assert_eq!(sizes.iter().sum::<i64>(), 25);
        assert!(sizes[0] > sizes[1]);
        let down = proportional_sizes(0, 0, 13, &rss);
        assert_eq!(down, vec![0, 0]);
    }
}
