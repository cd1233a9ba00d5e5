// The I/O threads of a process (HTTP and SQL calls), stopped together before the actor system:
// their answers are messages to actors.
#pragma once

namespace cohort {

/// Ends every call in flight unanswered and joins the threads; they start again at the next call.
void stop_io_threads();

} // namespace cohort
