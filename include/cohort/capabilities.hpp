// What a job kind needs of a worker beyond tags (job_kind::capability: words joined by commas,
// "sql,net") against what a worker grants (--allow-exec, --allow-net, --allow-sql).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// The words of `needed`, in order, without spaces around them; none for an empty text.
std::vector<std::string> capability_words(std::string_view needed);

/// The first word of `needed` that `granted` lacks; empty when it has them all.
std::string missing_capability(std::string_view needed, const std::vector<std::string>& granted);

/// The flags that grant `needed`: "--allow-sql --allow-net".
std::string allow_flags(std::string_view needed);

/// `needed` in words: "sql", "sql and net".
std::string capability_names(std::string_view needed);

} // namespace cohort
