#!/usr/bin/env bash
# The real-music check (issue #30): recorded music that no one here made, from Debian packages, scored by a run.
# It is a check, never training data: it covers only the genres below, and a check trained on is no check.
#
#   scripts/real-music-check.sh [RUN] [OUT]     RUN: a run folder (default out/runs/audio_cnn-crossed),
#                                               OUT: where the packages and excerpts go (default out/real-music)
#   scripts/real-music-check.sh --fetch [OUT]   only fetch the packages and cut the excerpts (OUT/manifest.csv: a
#                                               dataset for `mgc eval --split all --data`, `mgc report --real-data`)
#
# For each source it downloads the Debian package (apt-get download: nothing is installed), unpacks it, keeps the
# tracks whose tag gives the evidence of their genre, cuts one 30 s excerpt from the middle of each (mono 22.05 kHz
# WAV, OUT/clips/<genre>/), writes OUT/manifest.csv (path, genre, package, track, evidence) and scores every
# excerpt with `mgc predict`: the default vote (CNN and harmony model when the run has one) and the CNN alone,
# counted per genre. With MGC_FUSE=RUN2[,RUN3] the runs' fused vote too (`mgc predict --fuse`: the mean of the
# default vote and their CNN votes; e.g. a musicnn transfer beside audio_cnn, docs/MUSICNN.md). Needs apt-get,
# dpkg-deb, ffmpeg, ffprobe (all in scripts/install-deps.sh). Rerunning reuses what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
fetch_only=0
if [ "${1:-}" = --fetch ]; then
  fetch_only=1
  run=""
  out="${2:-out/real-music}"
else
  run="${1:-out/runs/audio_cnn-crossed}"
  out="${2:-out/real-music}"
  [ -d "$run" ] || { echo "real-music-check: no run folder '$run' (train one, e.g. scripts/main-job.sh)" >&2; exit 2; }
fi
mgc=build/mgc

# The sources: package | path pattern inside it | Vorbis/ID3 tag | the tag's value (a regular expression) | genre
# [| a file beside each track to mix in: a song shipped as stems]. Evidence read 2026-12-07 from the files' own
# tags (ffprobe, stream tags) and the packages' copyright files:
# - wesnoth-1.16-music 1:1.16.9-1: 38 of 41 tracks GENRE=Romantic Classical (orchestral, composed by Aleksi
#   Aubry-Carlson, Jeremy Nicoll and others); the other three (Game, none) are left out.
# - fretsonfire-songs-muldjord 2.dfsg-2.1: 4 songs GENRE=Death Metal, "composed by El Senator of the danish metal
#   band Muldjord" (readme.txt, copyright); each ships as song.ogg (the band without lead guitar) and guitar.ogg
#   (the lead guitar), mixed here into the whole song.
# - marsshooter-data 0.7.6-7: 6 tracks of the album "Elysia" by the symphonic metal band Obsidian Shell (copyright
#   file), GENRE=Female Fronted Metal; 6 more by the same band carry no genre tag and are left out.
# - openclonk-data 8.1-3: tracks by Martin Strohmeier tagged GENRE=Rock (2) and GENRE=Reggae (1); one-person
#   productions, likely with virtual instruments. Orchestral, House, Ambient and untagged tracks are left out.
# - wordwarvi-sound 1.0.4-2: 2 mixes of one song by Stephen M. Cameron with Marty Kiel, GENRE=Instrumental Rock.
sources=(
  "wesnoth-1.16-music|*.ogg|GENRE|^Romantic Classical$|classical"
  "fretsonfire-songs-muldjord|song.ogg|GENRE|^Death Metal$|metal|guitar.ogg"
  "marsshooter-data|*.ogg|GENRE|^Female Fronted Metal$|metal"
  "openclonk-data|*.ogg|GENRE|^Rock$|rock"
  "openclonk-data|*.ogg|GENRE|^Reggae$|reggae"
  "wordwarvi-sound|lucky*.ogg|GENRE|^Instrumental Rock$|rock"
)

mkdir -p "$out/debs" "$out/pkg" "$out/clips"
manifest="$out/manifest.csv"
echo "path,genre,package,track,evidence" > "$manifest.tmp"
for source in "${sources[@]}"; do
  IFS='|' read -r package pattern tag value genre mix <<< "$source"
  if ! ls "$out/debs/${package}"_*.deb > /dev/null 2>&1; then
    (cd "$out/debs" && apt-get download -q "$package" 2> >(grep -v "^W: Download is performed unsandboxed" >&2))
  fi
  deb=$(ls "$out/debs/${package}"_*.deb | head -n 1)
  [ -d "$out/pkg/$package" ] || dpkg-deb -x "$deb" "$out/pkg/$package"
  mkdir -p "$out/clips/$genre"
  while IFS= read -r -d '' track; do
    found=$(ffprobe -v error -show_entries "format_tags=$tag:stream_tags=$tag" -of csv=p=0 "$track" | grep -v '^$' |
      head -n 1 || true)
    [[ "$found" =~ $value ]] || continue
    seconds=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$track")
    whole=${seconds%.*}
    [ "$whole" -ge 20 ] || continue
    start=$(( whole > 30 ? (whole - 30) / 2 : 0 ))
    name=$(basename "${track%.*}")
    inputs=(-ss "$start" -t 30 -i "$track")
    mixing=()
    if [ -n "$mix" ]; then  # stems: named by their folder, mixed
      name=$(basename "$(dirname "$track")")
      inputs+=(-ss "$start" -t 30 -i "$(dirname "$track")/$mix")
      mixing=(-filter_complex "amix=inputs=2")  # each at half gain: the sum cannot clip
    fi
    clip="$out/clips/$genre/$package-$name.wav"
    if [ ! -f "$clip" ]; then
      ffmpeg -nostdin -hide_banner -loglevel error "${inputs[@]}" "${mixing[@]}" -ac 1 -ar 22050 "$clip.tmp.wav"
      mv "$clip.tmp.wav" "$clip"
    fi
    echo "clips/$genre/$(basename "$clip"),$genre,$package,${track#"$out/pkg/$package"},$tag=$found" >> "$manifest.tmp"
  done < <(find "$out/pkg/$package" -name "$pattern" -print0 | sort -z)
done
mv "$manifest.tmp" "$manifest"
echo "real-music-check: $(($(wc -l < "$manifest") - 1)) excerpts in $manifest"
[ "$fetch_only" = 0 ] || exit 0

# Score: the top genre of each excerpt, the default vote and the CNN alone.
tally() {  # reads mgc predict's CSV; prints "genre right total" per genre of the excerpts' folders
  awk -F, 'NR > 1 { n = split($1, p, "/"); truth = p[n - 1]; total[truth]++; if ($2 == truth) right[truth]++ }
           END { for (g in total) printf "%s %d %d\n", g, right[g] + 0, total[g] }'
}
vote=$($mgc predict "$run" "$out/clips" --format csv --top-k 1 | tally)
cnn=$($mgc predict "$run" "$out/clips" --format csv --top-k 1 --no-harmony | tally)
fused=""
if [ -n "${MGC_FUSE:-}" ]; then fused=$($mgc predict "$run" --fuse "$MGC_FUSE" "$out/clips" --format csv --top-k 1 | tally); fi
echo "real-music check of $run (excerpts called their genre):"
while read -r genre right total; do
  cnn_right=$(awk -v g="$genre" '$1 == g { print $2 }' <<< "$cnn")
  line="  $genre: $right/$total by the default vote, $cnn_right/$total by the CNN alone"
  if [ -n "$fused" ]; then
    line+=", $(awk -v g="$genre" '$1 == g { print $2 }' <<< "$fused")/$total fused with $MGC_FUSE"
  fi
  echo "$line"
done <<< "$vote"
