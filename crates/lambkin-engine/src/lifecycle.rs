//! Where an environment is in its life, as one status with guarded transitions (youki's `ContainerStatus`).
//!
//! `Creating` while its isolation is built, `Initialising` while its init runs the init phase, then `Busy` for
//! the invoke that built it (or the provisioned start), `Idle` between invokes (`frozen` once the cgroup
//! freezer stopped it), `Busy` → `Finishing` once its caller has the whole answer, back to `Idle` when the
//! invoke phase is over, and `Retiring` → `Gone` at the end. Each method is a transition: it checks the status it starts from and says
//! what the caller must do to the sandbox (thaw, freeze), so the bookkeeping is tested without a sandbox.

/// The status of an environment the engine holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Its isolation (sandbox, process) is being built.
    Creating,
    /// Its init is running the init phase (extensions, runtime, until the first `next`).
    Initialising,
    /// Running an invoke (or its own init for provisioned concurrency).
    Busy,
    /// Its caller has the whole response; the runtime and extensions are finishing the invoke phase.
    Finishing,
    /// Waiting in the pool; `frozen` once nothing of it runs.
    Idle {
        /// Stopped by the cgroup freezer.
        frozen: bool,
    },
    /// Being shut down (SHUTDOWN, then destroyed).
    Retiring,
    /// Destroyed.
    Gone,
}

/// What the caller must do to the sandbox after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Thaw it (it was frozen).
    Thaw,
    /// Freeze it.
    Freeze,
}

/// A transition the status does not allow (a bug in the pool's bookkeeping, logged and refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment cannot {verb} while {from:?}")]
pub struct Refused {
    /// The attempted transition.
    pub verb: &'static str,
    /// The status it was attempted from.
    pub from: Status,
}

/// The status plus the number of the current idle period (a freeze is for one idle period only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    status: Status,
    idle_epoch: u64,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    /// A new environment, being created.
    pub fn new() -> Self {
        Self {
            status: Status::Creating,
            idle_epoch: 0,
        }
    }

    /// Creating → Initialising: the isolation is built and the init is starting.
    pub fn created(&mut self) -> Result<(), Refused> {
        self.step(Status::Creating, Status::Initialising, "be created")
    }

    /// Initialising → Busy: the init phase is over (or failed: the first invoke retries it); the environment
    /// belongs to the invoke or provisioned start that built it.
    pub fn initialised(&mut self) -> Result<(), Refused> {
        self.step(Status::Initialising, Status::Busy, "finish initialising")
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.status
    }

    fn refuse(&self, verb: &'static str) -> Refused {
        Refused {
            verb,
            from: self.status,
        }
    }

    /// `from` → `to`, refused from any other status.
    fn step(&mut self, from: Status, to: Status, verb: &'static str) -> Result<(), Refused> {
        if self.status != from {
            return Err(self.refuse(verb));
        }
        self.status = to;
        Ok(())
    }

    /// Idle → Busy: taken for an invoke (thawed first when frozen).
    pub fn take(&mut self) -> Result<Action, Refused> {
        match self.status {
            Status::Idle { frozen } => {
                self.status = Status::Busy;
                Ok(if frozen { Action::Thaw } else { Action::None })
            }
            _ => Err(self.refuse("be taken")),
        }
    }

    /// Busy → Finishing: the caller has its answer.
    pub fn answered(&mut self) -> Result<(), Refused> {
        self.step(Status::Busy, Status::Finishing, "answer")
    }

    /// Busy or Finishing → Idle: back in the pool; returns the idle period's number for [`Lifecycle::freeze`].
    pub fn release(&mut self) -> Result<u64, Refused> {
        match self.status {
            Status::Busy | Status::Finishing => {
                self.status = Status::Idle { frozen: false };
                self.idle_epoch += 1;
                Ok(self.idle_epoch)
            }
            _ => Err(self.refuse("be released")),
        }
    }

    /// Idle (running) → Idle (frozen), only within idle period `epoch`: an environment taken and released
    /// again since is not frozen by a stale timer.
    pub fn freeze(&mut self, epoch: u64) -> Action {
        match self.status {
            Status::Idle { frozen: false } if self.idle_epoch == epoch => {
                self.status = Status::Idle { frozen: true };
                Action::Freeze
            }
            _ => Action::None,
        }
    }

    /// Whether [`Lifecycle::freeze`] with `epoch` would freeze now (a stale timer need not ask the freezer).
    pub fn freeze_due(&self, epoch: u64) -> bool {
        self.status == (Status::Idle { frozen: false }) && self.idle_epoch == epoch
    }

    /// Undoes a [`Lifecycle::freeze`] whose freezer write failed.
    pub fn freeze_failed(&mut self) {
        if self.status == (Status::Idle { frozen: true }) {
            self.status = Status::Idle { frozen: false };
        }
    }

    /// Anything but Gone → Retiring (thawed first when frozen, so SHUTDOWN can run); also a build that failed
    /// while creating or initialising. Retiring twice is refused.
    pub fn retire(&mut self) -> Result<Action, Refused> {
        match self.status {
            Status::Retiring | Status::Gone => Err(self.refuse("retire")),
            Status::Idle { frozen: true } => {
                self.status = Status::Retiring;
                Ok(Action::Thaw)
            }
            _ => {
                self.status = Status::Retiring;
                Ok(Action::None)
            }
        }
    }

    /// Retiring → Gone: destroyed.
    pub fn gone(&mut self) {
        self.status = Status::Gone;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment as the engine builds it.
    fn ready() -> Lifecycle {
        let mut l = Lifecycle::new();
        assert_eq!(l.status(), Status::Creating);
        l.created().expect("created");
        assert_eq!(l.status(), Status::Initialising);
        l.initialised().expect("initialised");
        l
    }

    #[test]
    fn building_comes_first_and_once() {
        let mut l = Lifecycle::new();
        assert!(l.initialised().is_err(), "not before it is created");
        assert!(
            l.take().is_err(),
            "nothing takes an environment being built"
        );
        l.created().expect("created");
        assert!(l.created().is_err());
        assert!(l.release().is_err(), "not released while initialising");
        l.initialised().expect("initialised");
        assert!(l.created().is_err() && l.initialised().is_err());
        let mut failed = Lifecycle::new();
        failed.created().expect("created");
        assert_eq!(
            failed.retire(),
            Ok(Action::None),
            "a failed init phase is retired"
        );
    }

    #[test]
    fn an_invoke_round_trip() {
        let mut l = ready();
        assert_eq!(l.status(), Status::Busy);
        l.answered().expect("answer");
        assert_eq!(l.status(), Status::Finishing);
        let epoch = l.release().expect("release");
        assert_eq!(l.status(), Status::Idle { frozen: false });
        assert_eq!(l.freeze(epoch), Action::Freeze);
        assert_eq!(l.take(), Ok(Action::Thaw));
        assert_eq!(l.status(), Status::Busy);
        // Released without an answer (the environment died mid-invoke) is allowed too.
        l.release().expect("release");
        assert_eq!(
            l.take(),
            Ok(Action::None),
            "not frozen yet: nothing to thaw"
        );
    }

    #[test]
    fn a_stale_freeze_does_nothing() {
        let mut l = ready();
        let first = l.release().expect("release");
        l.take().expect("take");
        assert_eq!(l.freeze(first), Action::None, "busy");
        let second = l.release().expect("release");
        assert_eq!(l.freeze(first), Action::None, "an older idle period");
        assert_eq!(l.freeze(second), Action::Freeze);
        assert_eq!(l.freeze(second), Action::None, "already frozen");
        l.freeze_failed();
        assert_eq!(l.status(), Status::Idle { frozen: false });
    }

    #[test]
    fn transitions_the_life_does_not_have_are_refused() {
        let mut l = ready();
        assert!(l.take().is_err(), "busy cannot be taken again");
        l.answered().expect("answer");
        assert!(l.answered().is_err(), "answered twice");
        l.release().expect("release");
        assert!(l.answered().is_err(), "idle cannot answer");
        assert!(l.release().is_err(), "released twice");
        l.freeze(1);
        assert_eq!(l.retire(), Ok(Action::Thaw), "frozen: thaw for SHUTDOWN");
        assert!(l.retire().is_err(), "retired twice");
        assert!(l.take().is_err(), "a retiring environment is never taken");
        assert_eq!(l.freeze(1), Action::None, "nor frozen again");
        l.gone();
        assert_eq!(l.status(), Status::Gone);
        assert!(l.retire().is_err());
    }
}
