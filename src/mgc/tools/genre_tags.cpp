#include "mgc/tools/genre_tags.h"

#include <fmt/ranges.h>
#include <taglib/fileref.h>
#include <taglib/flacfile.h>
#include <taglib/id3v1genres.h>
#include <taglib/id3v1tag.h>
#include <taglib/id3v2header.h>
#include <taglib/id3v2tag.h>
#include <taglib/infotag.h>
#include <taglib/mp4file.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/tag.h>
#include <taglib/textidentificationframe.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>
#include <taglib/xiphcomment.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

#include "mgc/core/error.h"

namespace mgc::tools {
namespace {

const char* const kMp4Genre = "\251gen";  // ©gen: free-text genres
const char* const kMp4GenreNumber = "gnre";  // the ID3v1 genre number + 1

std::string to_utf8(const TagLib::String& s) { return s.to8Bit(true); }
TagLib::String from_utf8(const std::string& s) { return TagLib::String(s, TagLib::String::UTF8); }

void add_value(GenreTag& g, const std::string& value) {
  if (!value.empty()) g.values.push_back(value);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 3 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// TCON's values; a number (what TagLib makes of ID3v2.3's "(17)") is the ID3v1 genre it stands for.
GenreTag tcon_values(const TagLib::ID3v2::Tag& tag) {
  GenreTag g;
  for (const TagLib::ID3v2::Frame* frame : tag.frameList("TCON")) {
    const auto* text = dynamic_cast<const TagLib::ID3v2::TextIdentificationFrame*>(frame);
    if (!text) continue;
    for (const TagLib::String& field : text->fieldList()) {
      const std::string value = to_utf8(field);
      add_value(g, all_digits(value) ? to_utf8(TagLib::ID3v1::genre(std::stoi(value))) : value);
    }
  }
  return g;
}

// The ID3v2 version a file's tag is saved in: its own (3 or 4); 4 for a file without one, or with ID3v2.2, which
// TagLib cannot write.
int id3v2_version(bool has_tag, TagLib::ID3v2::Tag* tag) {
  return has_tag && tag && tag->header()->majorVersion() == 3 ? 3 : 4;
}

// Replaces the TCON frames with one holding `genre` as ID3v2 `version` stores it; returns what it holds.
GenreTag set_tcon(TagLib::ID3v2::Tag& tag, const GenreTag& genre, int version) {
  tag.removeFrames("TCON");
  if (!genre.present()) return {};
  // ID3v2.3 has no UTF-8: UTF-16 keeps every name.
  auto frame = std::make_unique<TagLib::ID3v2::TextIdentificationFrame>(
      "TCON", version == 4 ? TagLib::String::UTF8 : TagLib::String::UTF16);
  GenreTag stored;
  if (version == 4) {
    TagLib::StringList list;
    for (const auto& v : genre.values) list.append(from_utf8(v));
    frame->setText(list);
    stored = genre;
  } else {
    stored.values = {genre.joined("/")};  // one value, as Picard writes ID3v2.3
    frame->setText(from_utf8(stored.values[0]));
  }
  tag.addFrame(frame.release());
  return stored;
}

TagLib::Ogg::XiphComment* xiph_comment(TagLib::File* file, bool create) {
  if (auto* flac = dynamic_cast<TagLib::FLAC::File*>(file)) return flac->xiphComment(create);
  if (auto* vorbis = dynamic_cast<TagLib::Ogg::Vorbis::File*>(file)) return vorbis->tag();
  if (auto* opus = dynamic_cast<TagLib::Ogg::Opus::File*>(file)) return opus->tag();
  return nullptr;
}

std::string normalised(const std::string& s) {
  std::string out;
  for (const unsigned char c : s)
    if (std::isalnum(c) || c >= 0x80) out += static_cast<char>(std::tolower(c));
  return out;
}

}  // namespace

std::string GenreTag::joined(const std::string& separator) const {
  return fmt::format("{}", fmt::join(values, separator));
}

std::string genre_display_name(const std::string& class_name) {
  static const std::map<std::string, std::string> kSpelled = {
      {"hiphop", "Hip-Hop"}, {"hip_hop", "Hip-Hop"}, {"hip-hop", "Hip-Hop"}, {"rnb", "R&B"},
      {"edm", "EDM"},        {"idm", "IDM"},         {"jpop", "J-Pop"},     {"kpop", "K-Pop"},
      {"lofi", "Lo-Fi"},     {"dnb", "Drum and Bass"}};
  if (const auto it = kSpelled.find(class_name); it != kSpelled.end()) return it->second;
  if (std::any_of(class_name.begin(), class_name.end(), [](unsigned char c) { return std::isupper(c); }))
    return class_name;
  std::string out;
  size_t word_start = 0;
  for (size_t i = 0; i <= class_name.size(); ++i) {
    if (i < class_name.size() && class_name[i] != '_' && class_name[i] != ' ' && class_name[i] != '-') continue;
    std::string word = class_name.substr(word_start, i - word_start);
    const bool small = word == "and" || word == "of" || word == "n" || word == "the";
    if (!word.empty() && !(small && word_start > 0))
      word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    out += word;
    if (i < class_name.size()) out += class_name[i] == '-' ? '-' : ' ';
    word_start = i + 1;
  }
  return out;
}

bool same_genre(const std::string& a, const std::string& b) { return normalised(a) == normalised(b); }

bool same_genres(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::string x, y;
  for (const auto& v : a) x += normalised(v);
  for (const auto& v : b) y += normalised(v);
  return x == y;
}

GenreTag read_genre(const std::string& path) {
  TagLib::FileRef ref(path.c_str(), false);
  if (ref.isNull() || !ref.tag())
    throw make_error("tag", "cannot read the tags of '{}': not a file TagLib can open", path);
  return read_genre(*ref.file());
}

GenreTag read_genre(TagLib::File& opened) {
  TagLib::File* file = &opened;
  GenreTag g;
  if (auto* mp3 = dynamic_cast<TagLib::MPEG::File*>(file)) {
    if (mp3->hasID3v2Tag()) g = tcon_values(*mp3->ID3v2Tag());
    if (!g.present() && mp3->hasID3v1Tag()) add_value(g, to_utf8(mp3->ID3v1Tag()->genre()));
  } else if (auto* wav = dynamic_cast<TagLib::RIFF::WAV::File*>(file)) {
    if (wav->hasID3v2Tag()) g = tcon_values(*wav->ID3v2Tag());
    if (!g.present() && wav->hasInfoTag()) add_value(g, to_utf8(wav->InfoTag()->genre()));
  } else if (const auto* xiph = xiph_comment(file, false)) {
    const auto& fields = xiph->fieldListMap();
    if (const auto it = fields.find("GENRE"); it != fields.end())
      for (const auto& v : it->second) add_value(g, to_utf8(v));
  } else if (auto* mp4 = dynamic_cast<TagLib::MP4::File*>(file); mp4 && mp4->tag()) {
    for (const auto& v : mp4->tag()->item(kMp4Genre).toStringList()) add_value(g, to_utf8(v));
    if (!g.present()) add_value(g, to_utf8(mp4->tag()->genre()));  // the numbered gnre atom
  } else if (file->tag()) {
    add_value(g, to_utf8(file->tag()->genre()));
  }
  return g;
}

GenreTag write_genre(const std::string& path, const GenreTag& genre) {
  TagLib::FileRef ref(path.c_str(), false);
  if (ref.isNull() || !ref.tag()) throw make_error("tag", "cannot open '{}' for tagging", path);
  TagLib::File* file = ref.file();
  const std::string first = genre.present() ? genre.values[0] : "";
  GenreTag stored = genre;
  bool saved = false;
  if (auto* mp3 = dynamic_cast<TagLib::MPEG::File*>(file)) {
    const int version = id3v2_version(mp3->hasID3v2Tag(), mp3->ID3v2Tag());
    stored = set_tcon(*mp3->ID3v2Tag(true), genre, version);
    int tags = TagLib::MPEG::File::ID3v2;
    if (mp3->hasID3v1Tag()) {
      mp3->ID3v1Tag()->setGenre(from_utf8(first));
      tags |= TagLib::MPEG::File::ID3v1;
    }
    saved = mp3->save(tags, TagLib::File::StripNone, version == 3 ? TagLib::ID3v2::v3 : TagLib::ID3v2::v4,
                      TagLib::File::DoNotDuplicate);
  } else if (auto* wav = dynamic_cast<TagLib::RIFF::WAV::File*>(file)) {
    const int version = id3v2_version(wav->hasID3v2Tag(), wav->ID3v2Tag());
    stored = set_tcon(*wav->ID3v2Tag(), genre, version);
    TagLib::RIFF::WAV::File::TagTypes tags = TagLib::RIFF::WAV::File::ID3v2;
    if (wav->hasInfoTag()) {
      wav->InfoTag()->setGenre(from_utf8(first));
      tags = TagLib::RIFF::WAV::File::AllTags;
    }
    saved = wav->save(tags, TagLib::File::StripNone, version == 3 ? TagLib::ID3v2::v3 : TagLib::ID3v2::v4);
  } else if (auto* xiph = xiph_comment(file, true)) {
    xiph->removeFields("GENRE");
    for (const auto& v : genre.values) xiph->addField("GENRE", from_utf8(v), false);
    saved = file->save();
  } else if (auto* mp4 = dynamic_cast<TagLib::MP4::File*>(file); mp4 && mp4->tag()) {
    mp4->tag()->removeItem(kMp4GenreNumber);
    if (genre.present()) {
      TagLib::StringList list;
      for (const auto& v : genre.values) list.append(from_utf8(v));
      mp4->tag()->setItem(kMp4Genre, TagLib::MP4::Item(list));
    } else {
      mp4->tag()->removeItem(kMp4Genre);
    }
    saved = mp4->save();
  } else {
    stored.values.clear();
    if (genre.present()) stored.values = {genre.joined("; ")};
    ref.tag()->setGenre(from_utf8(stored.present() ? stored.values[0] : ""));
    saved = ref.save();
  }
  if (!saved) throw make_error("tag", "TagLib could not save the genre into '{}'", path);
  return stored;
}

}  // namespace mgc::tools
