#pragma once
// The web page served at GET /: one self-contained HTML document (CSS and vanilla JavaScript inline, no external
// URL) that uploads an audio file to POST /v1/classify with fetch() and shows the genre bars, the log-mel
// spectrogram and the timeline of per-segment top genres. Works offline.
#include <string_view>

namespace mgc::serve {

// The page's HTML, UTF-8. Static storage: the view stays valid for the whole program.
std::string_view index_html();

}  // namespace mgc::serve
