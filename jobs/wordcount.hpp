// The wordcount built-in job kind: counts the words of a file or directory tree.
#pragma once

#include "cohort/job.hpp"

#include <cstdint>
#include <memory>

namespace cohort {

/// The kind "wordcount" (params path, top, ship); see docs for its semantics.
std::shared_ptr<const job_kind> make_wordcount_kind();

/// Bytes of input per task: ~20 ms of tokenizing, small enough to ship in a message.
inline constexpr std::uint64_t wordcount_chunk_bytes = std::uint64_t{8} << 20;

/// What the kind's split() does, with a chosen chunk size: tests use tiny chunks to put a chunk boundary
/// inside every word.
std::unique_ptr<job_plan> split_wordcount(const params& p, std::uint64_t chunk_bytes);

} // namespace cohort
