// How a master or a client that ran jobs exits: as its jobs did, unless a signal stopped it.
#pragma once

namespace cohort::app {

/// 130 after SIGINT, 143 after SIGTERM (the first signal decides), else `jobs_code`.
int exit_code(int jobs_code);

} // namespace cohort::app
