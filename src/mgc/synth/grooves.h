#pragma once
// The groove table: which MMA (Musical MIDI Accompaniment) grooves stand for which genre, with their bar length,
// tempo range and the band mgc adds to drums-only grooves; and the built-in ("mgc") drum grooves written for this
// corpus. docs/GROOVES.md is generated from it (mgc synth --list-grooves --markdown) and explains the doubtful rows.
#include <string>
#include <vector>

namespace mgc::synth {

// One row of the groove table: an MMA groove and the genre it stands for.
struct GrooveEntry {
  std::string genre;    // one of genre_names()
  std::string library;  // MMA library folder (stdlib, casio, zoom, pflib, yamaha, kara, alexis) or "mgc" (built in)
  std::string file;     // groove file inside the library, without ".mma"; for "mgc", a family name
  std::string groove;   // groove name as defined by DefGroove
  int beats = 4;        // quarter-note beats per bar as MMA counts them (3 for waltzes, 6 for MMA's 6/8 files)
  int tempo_min = 0;    // bpm range typical for this groove (MMA beats per minute)
  int tempo_max = 0;
  std::string band;  // "" = the groove's own instruments; "orchestra" = drums muted; a genre name = the groove
                     // is drums only (zoom, mgc) and mgc adds that genre's bass/chord parts
  std::string note;  // why a doubtful mapping was made ("" when the name says it)

  // How an .mma file selects it: "stdlib/blues:BluesTriple" (MMA's extended name, unambiguous across
  // libraries), or the bare name for the built-in "mgc" grooves, which the clip file defines itself.
  std::string mma_name() const;
};

// The ten genres, sorted: blues classical country disco hiphop jazz metal pop reggae rock.
const std::vector<std::string>& genre_names();

// Every groove the corpus uses, grouped by genre (table order). Built once, on first use.
const std::vector<GrooveEntry>& groove_table();

// The groove table rows of one genre. Throws mgc::Error if `genre` is not one of genre_names().
std::vector<GrooveEntry> grooves_of(const std::string& genre);

// The MMA source that defines a built-in ("mgc") groove, "" for library grooves. Throws mgc::Error for an "mgc"
// entry whose groove has no source.
std::string builtin_groove_source(const GrooveEntry& entry);

// The groove table as Markdown (one section per genre), for docs/GROOVES.md.
std::string groove_table_markdown();

}  // namespace mgc::synth
