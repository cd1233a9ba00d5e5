// The wordcount built-in job kind: counts the words of a file or directory tree.
#pragma once

#include "cohort/job.hpp"

#include <cstdint>
#include <memory>

namespace cohort {

/// The kind "wordcount": counts the ASCII-letter words of the regular files at `path`; params path,
/// top (words shown) and ship (bytes: the master ships chunks; path: workers read the files).
std::shared_ptr<const job_kind> make_wordcount_kind();

/// Bytes of input per task: 30-40 ms of tokenizing; a larger chunk would cut the master's merge
/// work further but make each shipped task message heavier.
inline constexpr std::uint64_t wordcount_chunk_bytes = std::uint64_t{8} << 20;

/// What the kind's split() does, with a chosen chunk size: tests use tiny chunks to put a chunk
/// boundary inside every word.
std::unique_ptr<job_plan> split_wordcount(const params& p, std::uint64_t chunk_bytes);

} // namespace cohort
