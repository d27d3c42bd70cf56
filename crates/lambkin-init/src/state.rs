//! The runtime and extension state machines (spec §3 and §4.4), with RAPID's state names.

use std::fmt;

/// Where the runtime process stands in the Runtime API protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeState {
    /// Launched, has not called `/next` yet.
    Started,
    /// Posted `/init/error`.
    InitError,
    /// Parked in `/next`, waiting for an invoke.
    Ready,
    /// Received an invoke event.
    Running,
    /// Is posting `/response`.
    InvocationResponse,
    /// Is posting `/error`.
    InvocationErrorResponse,
    /// Its response was delivered; the next `/next` ends the invoke.
    ResponseSent,
}

impl fmt::Display for RuntimeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Started => "Started",
            Self::InitError => "InitError",
            Self::Ready => "Ready",
            Self::Running => "Running",
            Self::InvocationResponse => "InvocationResponse",
            Self::InvocationErrorResponse => "InvocationErrorResponse",
            Self::ResponseSent => "RuntimeResponseSentState",
        })
    }
}

/// Where an extension stands in the Extensions API protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    /// Launched (external) and not registered yet.
    Started,
    /// Registered, has not asked for an event yet.
    Registered,
    /// Parked in `/event/next`.
    Ready,
    /// Received an event and is processing it.
    Running,
    /// Posted `/extension/init/error`.
    InitError,
    /// Posted `/extension/exit/error`.
    ExitError,
    /// Did not exit before the SHUTDOWN deadline.
    ShutdownFailed,
    /// Exited.
    Exited,
    /// Could not be launched.
    LaunchError,
}

impl fmt::Display for ExtensionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Started => "Started",
            Self::Registered => "Registered",
            Self::Ready => "Ready",
            Self::Running => "Running",
            Self::InitError => "InitError",
            Self::ExitError => "ExitError",
            Self::ShutdownFailed => "ShutdownFailed",
            Self::Exited => "Exited",
            Self::LaunchError => "LaunchError",
        })
    }
}

/// The message RAPID uses for a refused runtime transition.
pub fn runtime_transition_error(from: RuntimeState, to: &str) -> String {
    format!("State transition from {from} to {to} failed for runtime. Error: State transition is not allowed")
}

/// The message RAPID uses for a refused extension transition.
pub fn extension_transition_error(from: ExtensionState, to: &str, who: &str) -> String {
    format!("State transition from {from} to {to} failed for extension {who}. Error: State transition is not allowed")
}
