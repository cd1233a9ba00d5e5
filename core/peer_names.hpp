// Names that come from peers (worker ids, hosts, tags) before they are logged, printed or kept:
// printable ASCII, bounded, so no peer writes a line into a log or a terminal's escape codes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cohort {

/// Most bytes of a name a peer gives.
inline constexpr std::size_t max_peer_name = 128;

/// Whether `name` is 1..max_peer_name printable ASCII characters (space through tilde).
bool valid_peer_name(std::string_view name);

/// `text` as it may be logged: non-printable bytes as \xHH, cut at max_peer_name bytes with "...".
std::string loggable(std::string_view text);

} // namespace cohort
