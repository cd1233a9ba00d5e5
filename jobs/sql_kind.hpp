// The `sql` job kind: one query over many key ranges and shards, each (range, shard) a task that
// awaits ctx.sql on a worker started with --allow-sql; exact sums, counts, minima and maxima of
// the rows' columns, or the rows themselves.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_sql_kind();

} // namespace cohort
