#pragma once
// Genre tags as music players and taggers (beets, MusicBrainz Picard) read and write them: display names for a
// run's class names, and the genre values of a file read and set natively per format with TagLib. Header kept
// free of TagLib.
#include <string>
#include <vector>

namespace TagLib {
class File;
}

namespace mgc::tools {

// The name a tag gets for a class name: a few names spelled as taggers do ("hiphop" -> "Hip-Hop", "rnb" -> "R&B",
// "edm" -> "EDM"), any other in title case with '_' as a space ("classical" -> "Classical", "drum_and_bass" ->
// "Drum and Bass"; "and", "of", "n" stay lower case inside a name). A name that already has a capital is kept.
std::string genre_display_name(const std::string& class_name);

// True when two genre values name the same genre: compared on their letters and digits only, case-insensitive
// ("hiphop", "Hip-Hop" and "Hip Hop" are one genre; a list joined with "/" equals its values).
bool same_genre(const std::string& a, const std::string& b);
bool same_genres(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The genre values of a file, in its own form (never an empty value):
// - mp3 (and wav): the ID3v2 TCON frame's values (ID3v2.4 holds several, null-separated; an ID3v2.3 file one,
//   which Picard joins with "/"); when there is no ID3v2 genre, the ID3v1 genre (mp3) or RIFF INFO IGNR (wav);
// - flac, ogg, opus: every GENRE field of the Vorbis comment;
// - m4a: every value of the ©gen atom, or the numbered gnre genre;
// - anything else TagLib opens: its generic genre as one value.
struct GenreTag {
  std::vector<std::string> values;  // UTF-8
  bool present() const { return !values.empty(); }
  std::string joined(const std::string& separator = "; ") const;
};

// Reads the genre of a file (see GenreTag). Throws mgc::Error ("tag: ...") naming the file when TagLib cannot open
// it.
GenreTag read_genre(const std::string& path);
// The same of a file TagLib already has open (a FileRef's file()), so a caller that needs more of it opens it once.
GenreTag read_genre(TagLib::File& file);

// Sets the genre values of the file at `path` in place (empty: removes the genre), natively per format:
// - mp3/wav: one TCON frame in the file's own ID3v2 version (a file without an ID3v2 tag gets ID3v2.4): several
//   values in ID3v2.4, one value joined with "/" in ID3v2.3; an existing ID3v1 tag's genre (mp3) or INFO genre
//   (wav) is set to the first value; no ID3v1 tag is ever added, no other tag is stripped;
// - flac/ogg/opus: the GENRE fields replaced by one field per value;
// - m4a: ©gen with every value (the numbered gnre atom removed);
// - anything else: the generic genre, values joined with "; ".
// Returns what read_genre will read back. Throws mgc::Error ("tag: ...") when the file cannot be opened or saved.
GenreTag write_genre(const std::string& path, const GenreTag& genre);

}  // namespace mgc::tools
