//! What `billing check-config` reports: each problem names the variable, what is wrong and the
//! fix; [`Reader`] collects them while the variables are read.

use std::collections::HashMap;
use std::fmt;

/// One configuration problem: which variable, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The variable's name.
    pub variable: String,
    /// What is wrong (no secret values).
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}. Fix: {}", self.variable, self.problem, self.fix)
    }
}

/// Every problem found in the configuration; `Display` prints one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// All problems, in variable order.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while reading variables.
pub(super) struct Reader {
    pub(super) vars: HashMap<String, String>,
    pub(super) problems: Vec<ConfigProblem>,
}

impl Reader {
    /// A set, non-blank variable, trimmed.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn problem(
        &mut self,
        variable: &str,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.problems.push(ConfigProblem {
            variable: variable.to_string(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }
}

/// A positive integer variable, or `default` when unset.
pub(super) fn read_positive(r: &mut Reader, name: &str, default: u64, max: u64) -> u64 {
    match r.get(name).map(str::to_string) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n >= 1 && n <= max => n,
            _ => {
                let shown = v.chars().take(20).collect::<String>();
                r.problem(
                    name,
                    format!("`{shown}` is not a whole number between 1 and {max}"),
                    format!("set it to a number such as {default}, or unset it for {default}"),
                );
                default
            }
        },
    }
}
