#include "mgc/data/synth.h"

#include <fcntl.h>
#include <sndfile.h>
#include <spawn.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"

extern char** environ;

namespace mgc::data {
namespace {

namespace fs = std::filesystem;

// Bump when a change alters what a given (seed, genre, index) renders: a corpus made by another generator
// version is not resumed into.
constexpr const char* kGenerator = "mgc-synth-3";

// ---------------------------------------------------------------------------------------------------------------
// The groove table. One row per MMA groove file; the grooves column lists the main grooves used (intros, endings
// and fills are left out: a clip is one steady section). Tempo ranges are in MMA beats per minute. docs/GROOVES.md
// is generated from this (mgc synth --list-grooves --markdown) and explains the doubtful rows.

struct Row {
  const char* genre;
  const char* library;
  const char* file;
  const char* grooves;  // space-separated
  int beats;
  int tempo_min, tempo_max;
  const char* band;
  const char* note;
};

constexpr Row kRows[] = {
    // blues
    {"blues", "stdlib", "blues", "Blues BluesTriple BluesSus BluesTripleSus BluesTripleL BluesTripleR Blues1 Blues1Sus",
     4, 80, 130, "", ""},
    {"blues", "stdlib", "slowblues",
     "SlowBlues SlowBluesSus SlowBluesWalk4 SlowBluesWalk4Sus SlowBluesWalk8 SlowBluesWalk8Sus SlowBlues12Triple "
     "SlowBlues34Triple SlowBlues4Triple",
     4, 55, 80, "", ""},
    {"blues", "stdlib", "fastblues", "FastBlues FastBluesSus FastBluesWalk FastBluesWalkSus FastBlues1 FastBlues1Sus", 4,
     130, 170, "", ""},
    {"blues", "stdlib", "blues128", "Blues128 Blues128Plus Blues128Sus Blues128SusPlus", 4, 50, 75, "",
     "12/8 feel written in 4/4 (triplets); slow tempo range on purpose"},
    {"blues", "stdlib", "blues68", "Blues68 Blues68Plus Blues68Walk Blues68WalkPlus", 6, 110, 150, "",
     "6/8 soul-blues (MMA counts six eighth-note beats; tempo is the eighth-note rate)"},
    {"blues", "stdlib", "countryblues",
     "CountryBlues CountryBluesSus CountryBluesWalk CountryBluesWalkSus CountryBlues1 CountryBlues1Sus "
     "CountryBlues1Walk CountryBlues1WalkSus",
     4, 80, 120, "",
     "'country blues' is the acoustic pre-war blues style (Robert Johnson), not country music; blues harmony"},
    {"blues", "stdlib", "boggiewoggie",
     "BoggieWoggie BoggieWoggie1 BoggieWoggie2 BoggieWoggie3 BoggieWoggieSus BoggieWoggie1Sus", 4, 110, 160, "",
     "boogie-woogie piano is a blues form (12-bar, shuffled left hand)"},
    {"blues", "stdlib", "shuffleboggie", "ShuffleBoggie ShuffleBoggie1 ShuffleBoggieSus", 4, 100, 140, "",
     "shuffle boogie: blues shuffle"},
    {"blues", "stdlib", "bluefolk", "BlueFolk BlueFolk2 BlueFolkSus BlueFolk2Sus", 4, 70, 110, "",
     "folk-blues ('House of the Rising Sun'); arpeggiated guitar and organ, blues progressions"},
    {"blues", "casio", "blues", "Blues", 4, 80, 130, "", ""},
    {"blues", "casio", "shuffleboogie", "ShuffleBoogie", 4, 100, 140, "", "blues shuffle"},
    {"blues", "zoom", "blues", "BLUS01 BLUS02 BLUS03 BLUS05 BLUS06", 4, 70, 130, "blues", ""},
    {"blues", "zoom", "shuffle", "SHFL01 SHFL02 SHFL03 SHFL04 SHFL05", 4, 90, 140, "blues",
     "shuffle drum patterns; with the blues band (walking/boogie bass, shuffle guitar, piano) they are blues"},

    // classical: MMA has no orchestral library; these are its arpeggio, waltz, hymn and string grooves with the
    // drums muted and guitars/electric basses turned into harp and bowed strings (band "orchestra").
    {"classical", "stdlib", "vienesewaltz",
     "VieneseWaltz VieneseWaltzSus VieneseWaltz1 VieneseWaltz1Sus VieneseWaltz2 VieneseWaltz2Sus", 3, 150, 190,
     "orchestra", ""},
    {"classical", "stdlib", "arpeggio44", "Arpeggio4 Arpeggio8 Arpeggio48 Arpeggio4Sus Arpeggio8Sus Arpeggio48Sus", 4,
     60, 100, "orchestra", "piano arpeggios over strings: the closest MMA has to a piano/chamber piece"},
    {"classical", "stdlib", "arpeggio68", "Arpeggio68 Arpeggio68-16 Arpeggio68Sus Arpeggio68Sus-16", 6, 90, 130,
     "orchestra", "as arpeggio44, in 6/8 (a barcarolle/nocturne figure)"},
    {"classical", "stdlib", "arpeggiowaltz",
     "ArpeggioWaltz ArpeggioWaltz8 ArpeggioWaltz48 ArpeggioWaltzSus Arpeggiowaltz8Sus", 3, 90, 150, "orchestra",
     "piano waltz figures"},
    {"classical", "stdlib", "hymn", "Hymn HymnRoot HymnWalk HymnPlus", 4, 70, 100, "orchestra",
     "church organ and choir chorale: sacred classical"},
    {"classical", "stdlib", "stringballad", "StringBallad StringBalladVoice StringBalladPlus StringBalladVoicePlus", 4,
     60, 90, "orchestra", "string ensemble; its guitar becomes a harp"},
    {"classical", "stdlib", "lullaby", "Lullaby Lullaby1 LullabySus Lullaby1Sus LullabyPlus", 4, 60, 90, "orchestra",
     "gentle strings and arpeggios; guitar becomes harp"},
    {"classical", "stdlib", "waltz", "Waltz WaltzSus Waltz1 Waltz1Sus", 3, 100, 150, "orchestra",
     "salon waltz with the drum kit muted"},
    {"classical", "stdlib", "fastwaltz", "FastWaltz FastWaltzSus FastWaltzPlus", 3, 150, 190, "orchestra",
     "fast waltz with the drum kit muted"},
    {"classical", "stdlib", "broadwaywaltz", "BroadwayWaltz BroadwayWaltz1 BroadwayWaltzSus", 3, 110, 160,
     "orchestra", "light-orchestral waltz (glockenspiel, pizzicato, piccolo); drums muted"},
    {"classical", "stdlib", "slowbroadway", "SlowBroadway SlowBroadway1 SlowBroadwaySus", 4, 60, 90, "orchestra",
     "light-orchestral (pizzicato strings, flute, glockenspiel); drums muted. Doubtful: show-tune roots"},
    {"classical", "stdlib", "march", "March March1 March2", 4, 100, 120, "",
     "concert/military march (brass, tuba, flute, snare): doubtful, but Sousa-style marches sit in classical "
     "collections; kept with its drums"},
    {"classical", "casio", "serenade", "Serenade", 4, 70, 100, "orchestra", "harpsichord and strings"},

    // country
    {"country", "stdlib", "countryswing",
     "CountrySwing CountrySwingSus CountrySwing1 CountrySwing1Sus CountrySwing2 CountrySwing2Sus", 4, 110, 150, "", ""},
    {"country", "stdlib", "countrywaltz",
     "CountryWaltz CountryWaltzSus CountryWaltz1 CountryWaltz1Sus CountryWaltz2 CountryWaltz2Sus CountryWaltzWalk", 3,
     90, 140, "", ""},
    {"country", "stdlib", "bluegrass", "BlueGrass BlueGrassClap BlueGrassBottle BlueGrassBottleClap BlueGrassSus", 4,
     130, 180, "", ""},
    {"country", "stdlib", "westernswing", "WesternSwing WesternSwingSus WesternSwingPlus WesternSwingSusPlus", 4, 120,
     170, "", ""},
    {"country", "stdlib", "hillcountry", "HillCountry HillCountryPlus HillCountrySus HillCountrySusPlus", 4, 100, 140,
     "", ""},
    {"country", "stdlib", "slowcountry", "SlowCountry SlowCountrySus SlowCountryWalk SlowCountryWalkSus SlowCountryPlus",
     4, 60, 90, "", ""},
    {"country", "stdlib", "folk", "Folk FolkWalk FolkArticulated FolkSus", 4, 90, 130, "",
     "finger-picked acoustic folk; doubtful, but GTZAN's country holds much acoustic folk-country"},
    {"country", "yamaha", "western", "WesternMainA WesternMainB", 4, 100, 140, "", "'western' with fiddle"},
    {"country", "yamaha", "jazzcountry", "JazzCountryMainA JazzCountryMainB", 4, 60, 90, "",
     "'Old Country 12/8' style despite the file name"},
    {"country", "kara", "kwestballad", "kwestballadA kwestballadB kwestballadC kwestballadD", 4, 65, 100, "",
     "western (country) ballad"},
    {"country", "zoom", "country", "CNTR01 CNTR02 CNTR03 CNTR04", 4, 100, 140, "country", ""},
    {"country", "zoom", "cntry", "CNTRY", 4, 100, 140, "country", ""},

    // disco
    {"disco", "stdlib", "boneym", "BoneyM BoneyMPlus BoneyMSus BoneyMSusPlus", 4, 110, 130, "", "Boney M. disco"},
    {"disco", "stdlib", "dsoul", "DSoul DSoulPlus DSoulSus DSoulSusPlus", 4, 100, 125, "", "disco soul"},
    {"disco", "casio", "discosoul", "DiscoSoul", 4, 105, 125, "", ""},
    {"disco", "casio", "dance1", "Dance1", 4, 115, 130, "",
     "four-on-the-floor 'techno dance'; doubtful (later than disco) but the same pulse and tempo"},
    {"disco", "casio", "dance2", "Dance2", 4, 115, 130, "", "as dance1"},
    {"disco", "casio", "8beatdance", "8BeatDance", 4, 110, 130, "", ""},
    {"disco", "casio", "dancepop1", "DancePop1", 4, 110, 128, "", "dance-pop; doubtful (could be pop)"},
    {"disco", "casio", "dancepop2", "DancePop2", 4, 110, 128, "", "dance-pop; doubtful (could be pop)"},
    {"disco", "casio", "house", "House", 4, 118, 128, "", "house is disco's direct descendant (four-on-the-floor)"},
    {"disco", "casio", "16beat1", "16Beat1", 4, 105, 125, "", "'a nice dance beat'; doubtful"},
    {"disco", "casio", "funk1", "Funk1", 4, 100, 120, "", "70s funk, disco's neighbour (GTZAN disco has funk)"},
    {"disco", "zoom", "dance", "DANC01 DANC02 DANC03 DANC04 DANC05 DANC06 DANCE", 4, 110, 130, "disco", ""},
    {"disco", "zoom", "house", "HOUS01 HOUS02 HOUS03 HOUS04", 4, 115, 128, "disco",
     "house drum patterns with the disco band (octave bass, strings, chicken-scratch guitar)"},
    {"disco", "kara", "Kfunk1", "Kfunk1A Kfunk1B Kfunk1C", 4, 100, 125, "",
     "clean 70s funk with horns, disco's neighbour (GTZAN disco has funk)"},
    {"disco", "casio", "funk2", "Funk2", 4, 100, 120, "", "as funk1"},
    {"disco", "casio", "dancepop3", "DancePop3", 4, 110, 128, "", "dance-pop; doubtful (could be pop)"},

    // hiphop: MMA is thin here; the zoom drum machine's hip-hop/trip/R&B/funk patterns get a hip-hop band
    // (sub/synth bass, electric piano, pad), and mgc adds boom-bap beats of its own.
    {"hiphop", "casio", "hip-hop", "Hip-Hop", 4, 85, 100, "", ""},
    {"hiphop", "casio", "triphop", "TripHop", 4, 70, 95, "", "trip-hop: hip-hop beats, slower"},
    {"hiphop", "alexis", "hiphop",
     "HipHop HipHopSus HipHopPlus1 HipHopSusPlus1 HipHopPlus2 HipHopSusPlus2 HipHopPlusPlus HipHopSusPlusPlus", 4, 85,
     100, "", ""},
    {"hiphop", "casio", "modernrb", "ModernR&B", 4, 80, 100, "",
     "modern R&B: hip-hop drums and tempo; doubtful (could be pop)"},
    {"hiphop", "casio", "mellowrb", "MellowRB", 4, 75, 95, "", "mellow R&B groove; doubtful (could be pop)"},
    {"hiphop", "zoom", "hiphop",
     "HIP01 HIP02 HIP03 HIP04 HIP05 HIP06 HIP07 HIP08 HIP09 HIP10 HIP11 HIP12 HIP13 HIP14 HIP15 HIP16 HIP17 HIP18 "
     "HIP19 HIP20 HIP21 HIP22 HIP23",
     4, 80, 100, "hiphop", ""},
    {"hiphop", "zoom", "trip", "TRIP01 TRIP02 TRIP03 TRIP04", 4, 70, 95, "hiphop", "trip-hop drum patterns"},
    {"hiphop", "zoom", "rnb", "RnB01 RnB02 RnB03 RnB04 RnB05 RnB06 RnB07 RnB08 RnB09 RnB10", 4, 75, 100, "hiphop",
     "R&B drum patterns under the hip-hop band; doubtful (90s R&B and hip-hop share beats)"},
    {"hiphop", "zoom", "funk",
     "FUNK01 FUNK02 FUNK03 FUNK04 FUNK05 FUNK06 FUNK07 FUNK08 FUNK09 FUNK10 FUNK11 FUNK12", 4, 85, 100, "hiphop",
     "funk breakbeats at hip-hop tempo under the hip-hop band: boom-bap was built by looping funk breaks"},
    {"hiphop", "mgc", "boombap", "MgcBoomBap1 MgcBoomBap2 MgcBoomBapSwing MgcHalfTime", 4, 82, 98, "hiphop",
     "built in: boom-bap and half-time beats written for this corpus"},

    // jazz
    {"jazz", "stdlib", "swing", "Swing SwingWalk SwingTriple SwingPlus SwingSus Swing1 Swing1Walk Swing1Triple Swing2 "
     "Swing2Triple", 4, 120, 200, "", ""},
    {"jazz", "stdlib", "bebop", "Bebop BebopPlus BebopSus BebopSusPlus", 4, 180, 260, "", ""},
    {"jazz", "stdlib", "jazzcombo", "JazzCombo JazzCombo1 JazzCombo2 JazzComboSus JazzComboPlus JazzCombo1Plus", 4, 130,
     200, "", ""},
    {"jazz", "stdlib", "modernjazz",
     "ModernJazz ModernJazz1 ModernJazzSus ModernJazz1Sus ModernJazz2 ModernJazz2Sus", 4, 110, 170, "", ""},
    {"jazz", "stdlib", "bigband", "BigBand BigBandSus BigBandPlus BigBand1 BigBand1Plus BigBand8", 4, 130, 200, "", ""},
    {"jazz", "stdlib", "mellowjazz", "MellowJazz MellowJazzPlus MellowJazzSus MellowJazzSusPlus", 4, 90, 130, "", ""},
    {"jazz", "stdlib", "nitejazz", "NiteJazz NiteJazzSus NiteJazzPlus NiteJazzSusPlus", 4, 80, 120, "", ""},
    {"jazz", "stdlib", "slowjazz", "SlowJazz SlowJazzWalk SlowJazz1 SlowJazz1Walk SlowJazz2", 4, 60, 90, "", ""},
    {"jazz", "stdlib", "easyswing", "EasySwing EasySwingWalk EasySwing1 EasySwing2 EasySwing42", 4, 100, 150, "", ""},
    {"jazz", "stdlib", "fastswing", "FastSwing FastSwingWalk", 4, 200, 260, "", ""},
    {"jazz", "stdlib", "jazzwaltz", "JazzWaltz JazzWaltzSus JazzWaltz1 JazzWaltz2", 3, 120, 180, "", ""},
    {"jazz", "stdlib", "jazzguitar", "JazzGuitar JazzGuitarWalk JazzGuitar1 JazzGuitar2 JazzGuitar3", 4, 70, 120, "",
     "jazz guitar (and bass) ballad accompaniment"},
    {"jazz", "stdlib", "evansish", "Evansish EvansishPlus Evansish1 Evansish1Plus", 4, 90, 140, "",
     "in the manner of the Bill Evans trio"},
    {"jazz", "stdlib", "descendingjazz", "DescendingJazz DescendingJazzPlus DescendingJazzSus", 4, 120, 170, "", ""},
    {"jazz", "stdlib", "dixie", "Dixie Dixie1 Dixie2 Dixie3 Dixie4 DixieStrum", 4, 160, 220, "", "dixieland (early jazz)"},
    {"jazz", "stdlib", "gypsyjazz", "GypsyJazz GypsyJazzFiddle GypsyJazzGuitar", 4, 160, 220, "",
     "gypsy jazz (Django Reinhardt)"},
    {"jazz", "yamaha", "jazzswing", "JazzSwingMainA JazzSwingMainB", 4, 120, 190, "", ""},
    {"jazz", "yamaha", "jazzbasie", "JazzBasieA JazzBasieB JazzBasieMainC JazzBasieMainD", 4, 120, 180, "",
     "Count Basie big band"},
    {"jazz", "yamaha", "jazztrio", "JazzTrioMainA JazzTrioMainB", 4, 110, 170, "", "Erroll Garner piano trio"},
    {"jazz", "yamaha", "jazzGrtrio", "JazzGrTrioMainA JazzGrTrioMainB", 4, 110, 170, "", "jazz guitar trio"},
    {"jazz", "casio", "jazzcombo", "JazzCombo", 4, 120, 180, "", ""},
    {"jazz", "casio", "modernjazz", "ModernJazz", 4, 110, 160, "", ""},
    {"jazz", "casio", "fastbigband", "FastBigBand", 4, 200, 250, "", ""},
    {"jazz", "casio", "slowswing", "SlowSwing", 4, 70, 100, "", ""},
    {"jazz", "zoom", "jazz", "JAZZ01 JAZZ02 JAZZ03 JAZZ04 JAZZ05 JAZZ06 JAZZ07", 4, 110, 200, "jazz", ""},
    {"jazz", "zoom", "jazz04", "04JAZZ01 04JAZZ02 04JAZZ03 04JAZZ04", 4, 110, 200, "jazz", ""},
    {"jazz", "stdlib", "modernjazzwaltz",
     "ModernJazzWaltz ModernJazzWaltz1 ModernJazzWaltzSus ModernJazzWaltz1Sus ModernJazzWaltz2 ModernJazzWaltz2Sus", 3,
     120, 170, "", ""},
    {"jazz", "stdlib", "charleston", "Charleston Charleston1 Charleston2 CharlestonWalk", 4, 200, 260, "",
     "1920s dance-band jazz (piano, banjo-like guitar, tuba)"},
    {"jazz", "casio", "jazzwaltz", "JazzWaltz", 3, 130, 170, "", ""},
    {"jazz", "casio", "swing", "Swing", 4, 120, 180, "", ""},
    {"jazz", "casio", "middlebigband", "MiddleBigBand", 4, 75, 100, "", "slow big band"},
    {"jazz", "casio", "slowbigband", "SlowBigBand", 4, 65, 90, "", "slow big band"},
    {"jazz", "yamaha", "jazzwaltz", "JazzWaltzMainA JazzWaltzMainB", 3, 120, 170, "", ""},

    // metal: MMA has few metal grooves; zoom's metal/hard-rock/thrash drum patterns and mgc's own beats get the
    // metal band (distorted power chords, palm-muted riffs, picked bass).
    {"metal", "casio", "heavymetal", "HeavyMetal", 4, 110, 170, "", ""},
    {"metal", "pflib", "metal1", "metal1A metal1B", 4, 110, 170, "", ""},
    {"metal", "pflib", "metal2", "metal2A metal2B", 4, 110, 170, "", ""},
    {"metal", "casio", "digitalrock", "DigitalRock", 4, 110, 150, "", "'metal-sounding rock beat' (Casio's words)"},
    {"metal", "zoom", "mtl", "MTL01 MTL02 MTL03 MTL04", 4, 110, 180, "metal", ""},
    {"metal", "zoom", "hrk", "HRK01 HRK02 HRK03 HRK04 HRK05 HRK06 HRK07", 4, 110, 160, "metal",
     "hard-rock drum patterns under the metal band; doubtful (hard rock vs metal), the band makes it metal"},
    {"metal", "zoom", "thr", "THRS01 THRS02", 4, 150, 200, "metal", "thrash drum patterns"},
    {"metal", "mgc", "metal", "MgcGallop MgcDoubleKick MgcThrash MgcDoom", 4, 0, 0, "metal",
     "built in: gallop, double-kick, thrash (skank) and doom beats written for this corpus; tempo per groove"},

    // pop
    {"pop", "casio", "pop", "Pop", 4, 100, 125, "", ""},
    {"pop", "casio", "80spop", "80sPop", 4, 110, 130, "", ""},
    {"pop", "casio", "8beatpop1", "8BeatPop1", 4, 100, 125, "", ""},
    {"pop", "casio", "8beatpop2", "8BeatPop2", 4, 100, 125, "", ""},
    {"pop", "casio", "8beatpop3", "8BeatPop3", 4, 105, 130, "", ""},
    {"pop", "casio", "60spop", "60sPop", 4, 110, 135, "", ""},
    {"pop", "casio", "soulpop", "SoulPop", 4, 95, 120, "", ""},
    {"pop", "casio", "electricpop", "ElectricPop", 4, 105, 125, "", ""},
    {"pop", "casio", "worldpop", "WorldPop", 4, 95, 120, "", ""},
    {"pop", "casio", "popballad", "PopBallad", 4, 65, 85, "", ""},
    {"pop", "casio", "16beatballad3", "16BeatBallad3", 4, 65, 85, "", "pop ballad with strings"},
    {"pop", "casio", "8beatballad1", "8BeatBallad1", 4, 65, 90, "", "strummed pop ballad"},
    {"pop", "stdlib", "popballad", "PopBallad PopBallad1 PopBallad2 PopBalladPlus PopBalladSus", 4, 65, 90, "", ""},
    {"pop", "stdlib", "8beat", "8Beat 8BeatSus 8Beat1 8Beat1Sus 8BeatPlus", 4, 100, 130, "",
     "generic 8-beat (older pop-rock); doubtful between pop and rock"},
    {"pop", "stdlib", "bubblerock", "BubbleRock BubbleRockSus BubbleRockPlus", 4, 110, 135, "",
     "bubblegum ('Sugar, Sugar'): pop despite the name"},
    {"pop", "kara", "8beatmotown", "8beatmotownA 8beatmotownB 8beatmotownC 8beatmotownD", 4, 100, 130, "",
     "Motown: 60s pop/soul"},
    {"pop", "pflib", "16beat1", "16beat1A 16beat1B", 4, 90, 115, "", ""},
    {"pop", "pflib", "16beat2", "16beat2A 16beat2B", 4, 90, 115, "", ""},
    {"pop", "zoom", "pop", "POP01 POP02 POP03 POP04 POP05 POP06 POP07 POP08 POP09 POP10 POP11 POP12", 4, 95, 130, "pop",
     ""},
    {"pop", "zoom", "beat8", "08Beat01 08Beat02 08Beat03 08Beat04 08Beat05 08Beat06", 4, 95, 125, "pop",
     "generic 8-beat drum patterns under the pop band"},
    {"pop", "zoom", "beat16", "16Beat01 16Beat02 16Beat03 16Beat04 16Beat05 16Beat06", 4, 85, 115, "pop",
     "generic 16-beat drum patterns under the pop band"},
    {"pop", "casio", "popshuffle1", "PopShuffle1", 4, 100, 125, "", "'bubble gum rock' (Casio's words): pop"},
    {"pop", "casio", "popshuffle2", "PopShuffle2", 4, 100, 125, "", "a harder pop shuffle"},
    {"pop", "casio", "8beatballad2", "8BeatBallad2", 4, 65, 85, "", "pop ballad"},
    {"pop", "casio", "16beatballad1", "16BeatBallad1", 4, 65, 85, "", "pop ballad"},
    {"pop", "casio", "oldieballad", "OldieBallad", 4, 65, 85, "", "oldies (50s/60s pop) ballad"},
    {"pop", "casio", "slow16beat", "Slow16Beat", 4, 70, 90, "", "slow 16-beat with synth strings: pop ballad"},
    {"pop", "stdlib", "pianoballad", "PianoBallad PianoBallad1 PianoBallad2 PianoBalladSus PianoBallad1Sus", 4, 60, 85,
     "", "piano arpeggios with drums and bass ('Nature Boy'): pop ballad"},
    {"pop", "stdlib", "guitarballad", "GuitarBallad GuitarBallad1 GuitarBalladSus GuitarBallad1Sus", 4, 60, 90, "",
     "guitar ballad written for 'Yesterday'"},

    // reggae: MMA has only zoom's reggae/ska drums, stdlib's ska and calypso; mgc adds one-drop, rockers, steppers
    // and dancehall beats, and every drums-only groove gets the reggae band (skank, organ bubble, bass).
    {"reggae", "zoom", "reggae", "REGG01 REGG02 REGG03 REGG04", 4, 65, 90, "reggae", ""},
    {"reggae", "zoom", "ska", "SKA01 SKA02 SKA03 SKA04", 4, 120, 160, "reggae",
     "ska, reggae's parent; the band plays off-beat skanks at these tempos"},
    {"reggae", "stdlib", "ska", "Ska Ska1 SkaSus Ska1Sus SkaClap", 4, 120, 160, "", "ska, reggae's parent"},
    {"reggae", "stdlib", "calypso", "Calypso CalypsoSus Calypso1 Calypso1Sus CalypsoPlus", 4, 100, 125, "",
     "calypso (Trinidad): doubtful, a Caribbean neighbour of reggae, not reggae; kept for variety"},
    {"reggae", "mgc", "reggae", "MgcOneDrop MgcOneDropShuffle MgcRockers MgcSteppers MgcDembow", 4, 0, 0, "reggae",
     "built in: one-drop, rockers, steppers and dancehall (dembow) beats written for this corpus"},

    // rock
    {"rock", "stdlib", "50srock", "50sRock 50sRockSus 50sRockPlus 50sRock1 50sRock1Sus 50sRock1Plus", 4, 140, 180, "",
     ""},
    {"rock", "stdlib", "60srock", "60sRock 60sRock1 60sRockSus 60sRock1Sus 60sRockPlus", 4, 110, 150, "", ""},
    {"rock", "stdlib", "basicrock", "BasicRock BasicRockSus BasicRock4 BasicRock4Sus", 4, 110, 150, "", ""},
    {"rock", "stdlib", "rock-128", "Rock128 Rock128Plain Rock128Sus Rock128Plus", 4, 50, 75, "",
     "12/8 rock ballad feel written in 4/4"},
    {"rock", "stdlib", "softrock", "SoftRock SoftRockSus SoftRock1 SoftRock2", 4, 100, 140, "", ""},
    {"rock", "stdlib", "folkrock", "FolkRock FolkRockPlus FolkRockSus", 4, 100, 130, "", "60s folk rock"},
    {"rock", "stdlib", "strut", "Strut StrutSus Strut2 Strut2Sus", 4, 100, 130, "",
     "derived from BasicRock ('Stray Cat Strut')"},
    {"rock", "casio", "rock1", "Rock1", 4, 110, 150, "", ""},
    {"rock", "casio", "rock2", "Rock2", 4, 120, 160, "", ""},
    {"rock", "casio", "60srock", "60sRock", 4, 110, 140, "", ""},
    {"rock", "casio", "shufflerock", "ShuffleRock", 4, 110, 150, "", ""},
    {"rock", "casio", "poprock1", "PopRock1", 4, 100, 130, "", "pop-rock; doubtful between pop and rock"},
    {"rock", "casio", "poprock2", "PopRock2", 4, 100, 130, "", "pop-rock; doubtful between pop and rock"},
    {"rock", "casio", "slowrock", "SlowRock", 4, 60, 80, "", ""},
    {"rock", "pflib", "rock1", "rock1A rock1B", 4, 110, 150, "", ""},
    {"rock", "pflib", "slowrock", "slowrockA slowrockB", 4, 60, 80, "", ""},
    {"rock", "pflib", "highfive", "highfiveA highfiveB", 4, 100, 130, "", "rock with quintuplet drums"},
    {"rock", "pflib", "8beat1", "8beat1A 8beat1B", 4, 100, 140, "", "8-beat rock"},
    {"rock", "pflib", "8beat2", "8beat2A 8beat2B", 4, 100, 140, "", "8-beat rock"},
    {"rock", "kara", "K50s_rock", "50s_RockA 50s_RockB 50s_RockC 50s_RockD", 4, 140, 180, "", ""},
    {"rock", "yamaha", "w-rock", "W-RockMainA W-RockMainB", 4, 110, 150, "", ""},
    {"rock", "zoom", "rock",
     "ROCK01 ROCK02 ROCK03 ROCK04 ROCK05 ROCK06 ROCK07 ROCK08 ROCK09 ROCK10 ROCK11 ROCK12 ROCK13 ROCK14 ROCK15 ROCK16 "
     "ROCK17 ROCK18 ROCK19 ROCK20",
     4, 100, 150, "rock", ""},
    {"rock", "zoom", "punk", "PUNK01 PUNK02", 4, 160, 200, "rock", "punk rock"},
    {"rock", "stdlib", "twist", "Twist Twist4 TwistSus Twist4Sus", 4, 140, 170, "",
     "the early-60s twist (Chubby Checker): rock and roll"},
    {"rock", "kara", "twi", "TwiMainA TwiMainB", 4, 140, 170, "", "twist: rock and roll with sax"},
    {"rock", "kara", "fasttwist", "fasttwistA fasttwistB", 4, 130, 150, "", "fast twist with brass: rock and roll"},
    {"rock", "casio", "8beat1", "8Beat1", 4, 100, 130, "",
     "'pop-rock 8beat' (Casio's words); doubtful between pop and rock"},
    {"rock", "casio", "8beat3", "8Beat3", 4, 100, 130, "", "as 8beat1, with a synth bass"},
};

// Tempo ranges of the built-in grooves (their row says 0, 0).
struct BuiltinTempo {
  const char* groove;
  int tempo_min, tempo_max;
};
constexpr BuiltinTempo kBuiltinTempo[] = {
    {"MgcOneDrop", 65, 85},   {"MgcOneDropShuffle", 65, 85}, {"MgcRockers", 70, 90}, {"MgcSteppers", 70, 90},
    {"MgcDembow", 88, 104},   {"MgcGallop", 150, 190},       {"MgcDoubleKick", 100, 140},
    {"MgcThrash", 170, 210},  {"MgcDoom", 60, 80},
};

// The built-in drum grooves, in MMA's own language. Offsets are beats (1 = the downbeat), velocities 1..127.
std::string drum(const char* name, const char* tone, const char* sequence, int rvolume = 8) {
  return fmt::format("Begin Drum-{}\n  Tone {}\n  Sequence {{ {} }}\n  RVolume {}\n  RTime 2\nEnd\n", name, tone,
                     sequence, rvolume);
}

const std::map<std::string, std::string>& builtin_sources() {
  static const std::map<std::string, std::string> sources = [] {
    const std::string head = "SeqClear\nSeqSize 1\nTime 4\n";
    const char* hats8 = "1 0 80; 1.5 0 55; 2 0 80; 2.5 0 55; 3 0 80; 3.5 0 55; 4 0 80; 4.5 0 55";
    const char* hats16 =
        "1 0 75; 1.25 0 45; 1.5 0 65; 1.75 0 45; 2 0 75; 2.25 0 45; 2.5 0 65; 2.75 0 45; 3 0 75; 3.25 0 45; "
        "3.5 0 65; 3.75 0 45; 4 0 75; 4.25 0 45; 4.5 0 65; 4.75 0 45";
    std::map<std::string, std::string> m;
    // Reggae. One drop: nothing on 1, kick and rim-shot together on 3.
    m["MgcOneDrop"] = head + drum("Kick", "KickDrum1", "3 0 115") + drum("Rim", "SideKick", "3 0 100") +
                      drum("HH", "ClosedHiHat", hats8, 12) + drum("OHH", "OpenHiHat", "4.5 0 50") +
                      "DefGroove MgcOneDrop\n";
    m["MgcOneDropShuffle"] =
        head + drum("Kick", "KickDrum1", "3 0 115") + drum("Rim", "SideKick", "3 0 100") +
        drum("HH", "ClosedHiHat", "1 0 75; 1.66 0 45; 2 0 75; 2.66 0 45; 3 0 75; 3.66 0 45; 4 0 75; 4.66 0 50", 12) +
        drum("Tom", "LowTom1", "4.66 0 60") + "DefGroove MgcOneDropShuffle\n";
    m["MgcRockers"] = head + drum("Kick", "KickDrum1", "1 0 110; 3 0 110") + drum("Rim", "SideKick", "3 0 95") +
                      drum("Snare", "SnareDrum1", "4.75 0 60") + drum("HH", "ClosedHiHat", hats16, 12) +
                      drum("OHH", "OpenHiHat", "2.5 0 55") + "DefGroove MgcRockers\n";
    m["MgcSteppers"] = head + drum("Kick", "KickDrum1", "1 0 110; 2 0 105; 3 0 110; 4 0 105") +
                       drum("Snare", "SnareDrum1", "3 0 100") +
                       drum("HH", "OpenHiHat", "1.5 0 60; 2.5 0 60; 3.5 0 60; 4.5 0 60", 10) +
                       drum("CHH", "ClosedHiHat", "1 0 60; 2 0 60; 3 0 60; 4 0 60") + "DefGroove MgcSteppers\n";
    m["MgcDembow"] = head + drum("Kick", "KickDrum1", "1 0 112; 2 0 105; 3 0 112; 4 0 105") +
                     drum("Snare", "SnareDrum2", "1.75 0 95; 2.5 0 90; 3.75 0 95; 4.5 0 90") +
                     drum("HH", "ClosedHiHat", hats8, 12) + drum("Shaker", "Maracas", "1.5 0 50; 3.5 0 50") +
                     "DefGroove MgcDembow\n";
    // Hip-hop.
    m["MgcBoomBap1"] = head + drum("Kick", "KickDrum1", "1 0 118; 2.75 0 95; 3.5 0 105") +
                       drum("Snare", "SnareDrum1", "2 0 112; 4 0 112") + drum("HH", "ClosedHiHat", hats8, 12) +
                       "DefGroove MgcBoomBap1\n";
    m["MgcBoomBap2"] = head + drum("Kick", "KickDrum2", "1 0 118; 1.75 0 90; 3.25 0 100; 3.5 0 105") +
                       drum("Snare", "SnareDrum1", "2 0 112; 4 0 112; 4.75 0 55") +
                       drum("Clap", "HandClap", "2 0 70; 4 0 70") + drum("HH", "ClosedHiHat", hats16, 14) +
                       drum("OHH", "OpenHiHat", "4.5 0 60") + "DefGroove MgcBoomBap2\n";
    m["MgcBoomBapSwing"] =
        head + drum("Kick", "KickDrum1", "1 0 118; 2.66 0 90; 3.33 0 105") +
        drum("Snare", "SnareDrum2", "2 0 110; 4 0 110") +
        drum("HH", "ClosedHiHat", "1 0 80; 1.66 0 55; 2 0 80; 2.66 0 55; 3 0 80; 3.66 0 55; 4 0 80; 4.66 0 55", 14) +
        "DefGroove MgcBoomBapSwing\n";
    m["MgcHalfTime"] = head + drum("Kick", "KickDrum1", "1 0 118; 1.75 0 95; 2.5 0 105; 4.25 0 90") +
                       drum("Snare", "SnareDrum1", "3 0 118") + drum("Clap", "HandClap", "3 0 80") +
                       drum("HH", "ClosedHiHat", hats16, 16) + "DefGroove MgcHalfTime\n";
    // Metal.
    m["MgcGallop"] =
        head +
        drum("Kick", "KickDrum1",
             "1 0 115; 1.5 0 100; 1.75 0 100; 2 0 115; 2.5 0 100; 2.75 0 100; 3 0 115; 3.5 0 100; 3.75 0 100; "
             "4 0 115; 4.5 0 100; 4.75 0 100",
             5) +
        drum("Snare", "SnareDrum1", "2 0 120; 4 0 120", 5) + drum("Crash", "CrashCymbal1", "1 0 110") +
        drum("Ride", "RideCymbal1", "1 0 90; 2 0 80; 3 0 90; 4 0 80") + "DefGroove MgcGallop\n";
    m["MgcDoubleKick"] =
        head +
        drum("Kick", "KickDrum1",
             "1 0 112; 1.25 0 100; 1.5 0 108; 1.75 0 100; 2 0 112; 2.25 0 100; 2.5 0 108; 2.75 0 100; 3 0 112; "
             "3.25 0 100; 3.5 0 108; 3.75 0 100; 4 0 112; 4.25 0 100; 4.5 0 108; 4.75 0 100",
             5) +
        drum("Snare", "SnareDrum1", "2 0 122; 4 0 122", 5) + drum("Crash", "CrashCymbal1", "1 0 115") +
        drum("China", "ChineseCymbal", "1 0 90; 2 0 85; 3 0 90; 4 0 85") + "DefGroove MgcDoubleKick\n";
    m["MgcThrash"] = head + drum("Kick", "KickDrum1", "1 0 115; 2 0 110; 3 0 115; 4 0 110", 5) +
                     drum("Snare", "SnareDrum1", "1.5 0 115; 2.5 0 112; 3.5 0 115; 4.5 0 112", 5) +
                     drum("Crash", "CrashCymbal2", "1 0 110; 3 0 100") +
                     drum("Ride", "RideCymbal1", "1 0 85; 2 0 85; 3 0 85; 4 0 85") + "DefGroove MgcThrash\n";
    m["MgcDoom"] = head + drum("Kick", "KickDrum1", "1 0 118; 2.5 0 105") + drum("Snare", "SnareDrum1", "3 0 122") +
                   drum("Crash", "CrashCymbal1", "1 0 115") +
                   drum("Ride", "RideCymbal2", "1 0 80; 1.5 0 65; 2 0 80; 2.5 0 65; 3 0 80; 3.5 0 65; 4 0 80; 4.5 0 65") +
                   drum("Tom", "LowTom2", "4.5 0 95; 4.75 0 90") + "DefGroove MgcDoom\n";
    return m;
  }();
  return sources;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness: SplitMix64 (the same numbers on every platform, unlike std:: distributions).

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }  // [lo, hi]
  bool chance(double p) { return uniform() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(next() % v.size())];
  }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------------------------------------------------------
// Genre profiles: harmony, keys, timbre substitutions, lead lines and room.

struct Progression {
  const char* name;
  bool minor;
  const char* bars;  // "deg:quality" per bar, two chords in a bar joined by '/'; degrees 1 b2 2 b3 3 4 #4 b5 5 b6 6 b7 7
};

struct VoiceRule {
  const char* from;  // voice name as the groove files write it
  const char* to;    // space-separated alternatives (the original among them = sometimes kept)
};

struct GenreProfile {
  const char* genre;
  std::vector<Progression> progressions;
  std::vector<int> keys;  // tonic pitch classes (0 = C); empty = all twelve
  std::vector<VoiceRule> voices;
  double lead_chance;
  std::vector<std::string> lead_voices;  // "Voice:octave"
  std::vector<std::string> lead_rhythms;
  const char* lead_scale;       // Aria ScaleType
  double room_min, room_max;    // reverb room size
  double level_min, level_max;  // reverb level
  double chorus_max;            // chorus level upper bound
};

// Substitutions inside one General MIDI family that any genre keeps.
const std::vector<VoiceRule> kCommonVoices = {
    {"Piano2", "Piano2 Piano1"},          {"RhodesPiano", "RhodesPiano EPiano"}, {"EPiano", "EPiano RhodesPiano"},
    {"Organ1", "Organ1 Organ2 Organ3"},   {"Organ2", "Organ2 Organ1 Organ3"},  {"Organ3", "Organ3 Organ1 Organ2"},
    {"PickedBass", "PickedBass FingeredBass"}, {"SynthBass1", "SynthBass1 SynthBass2"},
    {"SynthBass2", "SynthBass2 SynthBass1"}, {"SlowStrings", "SlowStrings Strings"},
    {"SynthStrings1", "SynthStrings1 SynthStrings2"}, {"SlapBass1", "SlapBass1 SlapBass2"},
    {"AltoSax", "AltoSax TenorSax"},      {"WarmPad", "WarmPad HaloPad PolySynth"},
};

const std::vector<std::string> kStraightLeads = {
    "1 4 90; 2 8 80; 2.5 8 80; 3 4 90; 4 4 80",
    "1 2 90; 3 4 80; 4 4 85",
    "1 8 90; 1.5 8 80; 2 4 85; 3 8 90; 3.5 8 80; 4 4 85",
    "1.5 8 85; 2 4 90; 3 2 85",
    "1 4. 90; 2.5 8 80; 3 4 85; 4 4 80",
};
const std::vector<std::string> kSwingLeads = {
    "1 4 90; 2.66 8 80; 3 8 85; 3.66 8 80; 4 4 85",
    "1.66 8 85; 2 4 90; 3.66 8 85; 4 4 90",
    "1 8 90; 1.66 8 75; 2 8 85; 2.66 8 75; 3 4 90",
    "1 2 90; 3.66 8 80; 4 4 85",
};
const std::vector<std::string> kSparseLeads = {
    "1 4 85; 2.5 8 80; 4 4 80",
    "1.5 8 80; 2 4 85",
    "1 2 85; 3.5 8 75",
    "2 8 80; 2.5 8 75; 3 4 85",
};
const std::vector<std::string> kLongLeads = {"1 1 85", "1 2 85; 3 2 80", "1 2. 85; 4 4 75"};
const std::vector<std::string> kShredLeads = {
    "1 16 95; 1.25 16 85; 1.5 16 90; 1.75 16 85; 2 8 95; 2.5 8 90; 3 4 95; 4 8 90; 4.5 8 85",
    "1 8 95; 1.5 8 90; 2 8 95; 2.5 8 90; 3 2 95",
    "1 4 95; 2 4 90; 3 16 90; 3.25 16 85; 3.5 16 90; 3.75 16 85; 4 4 95",
};

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<GenreProfile>& profiles() {
  static const std::vector<GenreProfile> p = {
      {"blues",
       {{"12-bar", false, "1:7 4:7 1:7 1:7 4:7 4:7 1:7 1:7 5:7 4:7 1:7 5:7"},
        {"12-bar quick change", false, "1:7 4:7 1:7 1:7 4:7 4:7 1:7 1:7 5:7 4:7 1:7/4:7 1:7/5:7"},
        {"12-bar ninths", false, "1:9 4:9 1:9 1:9 4:9 4:9 1:9 6:7 2:m7 5:7 1:9/6:7 2:m7/5:7"},
        {"minor blues", true, "1:m7 1:m7 1:m7 1:m7 4:m7 4:m7 1:m7 1:m7 b6:7 5:7 1:m7 5:7"},
        {"8-bar blues", false, "1:7 5:7 4:7 4:7 1:7 5:7 1:7 5:7"}},
       {4, 9, 7, 0, 2, 10, 5},
       {{"Piano1", "Piano1 Piano2 Honky-TonkPiano"},
        {"CleanGuitar", "CleanGuitar JazzGuitar OverDriveGuitar"},
        {"JazzGuitar", "JazzGuitar CleanGuitar"},
        {"FingeredBass", "FingeredBass AcousticBass"},
        {"TenorSax", "TenorSax AltoSax"}},
       0.5,
       {"Harmonica:5", "OverDriveGuitar:5", "CleanGuitar:5", "TenorSax:4"},
       join(kSwingLeads, kLongLeads),
       "Chord",
       0.2, 0.6, 0.2, 0.6, 1.5},
      {"classical",
       {{"authentic cadence", false, "1: 4: 5:7 1:"},
        {"Pachelbel", false, "1: 5: 6:m 3:m 4: 1: 4: 5:"},
        {"I-vi-ii-V", false, "1: 6:m 2:m 5:7"},
        {"circle of fifths", false, "1: 4: 7:dim 3:m 6:m 2:m 5:7 1:"},
        {"minor cadence", true, "1:m 4:m 5:7 1:m"},
        {"Andalusian", true, "1:m b7: b6: 5:7"},
        {"romantic", false, "1: 3:m 4: 4:m 1: 2:7 5:7 1:"}},
       {},
       // Not variations: these make the arrangement orchestral (guitars -> harp, electric bass -> bowed strings).
       {{"JazzGuitar", "OrchestralHarp"},
        {"CleanGuitar", "OrchestralHarp"},
        {"NylonGuitar", "OrchestralHarp PizzicatoString"},
        {"SteelGuitar", "OrchestralHarp"},
        {"MutedGuitar", "PizzicatoString"},
        {"FingeredBass", "ContraBass Cello"},
        {"FretlessBass", "Cello"},
        {"PickedBass", "ContraBass"},
        {"AcousticBass", "ContraBass Cello"},
        {"Strings", "Strings SlowStrings TremoloStrings"},
        {"SynthStrings1", "Strings"},
        {"VoiceOohs", "ChoirAahs VoiceOohs"},
        {"MusicBox", "MusicBox Celesta Glockenspiel"},
        {"Vibraphone", "Celesta"},
        {"RhodesPiano", "Piano1"},
        {"EPiano", "Piano1"},
        {"Organ1", "ChurchOrgan"},
        {"Organ2", "ChurchOrgan"},
        {"Organ3", "ChurchOrgan"},
        {"Piano2", "Piano1"}},
       0.6,
       {"Violin:5", "Flute:5", "Oboe:5", "Clarinet:5", "Cello:4", "FrenchHorn:4"},
       join(kStraightLeads, kLongLeads),
       "Scale",
       0.6, 0.9, 0.5, 0.9, 0.6},
      {"country",
       {{"I-IV-V", false, "1: 1: 4: 4: 5:7 5:7 1: 1:"},
        {"I-IV-I-V", false, "1: 4: 1: 5:7"},
        {"two-step", false, "1: 1: 4: 1: 5:7 5:7 1: 1:"},
        {"secondary dominants", false, "1: 1: 2:7 2:7 5:7 5:7 1: 1:"},
        {"I-vi-IV-V", false, "1: 6:m 4: 5:7"},
        {"I-V-IV", false, "1: 5: 4: 1:"}},
       {7, 2, 9, 0, 4, 5},
       {{"Piano1", "Piano1 Honky-TonkPiano Piano2"},
        {"SteelGuitar", "SteelGuitar NylonGuitar"},
        {"CleanGuitar", "CleanGuitar SteelGuitar"},
        {"Violin", "Violin Fiddle"},
        {"Fiddle", "Fiddle Violin"},
        {"AcousticBass", "AcousticBass FingeredBass"},
        {"FingeredBass", "FingeredBass AcousticBass"}},
       0.6,
       {"Fiddle:5", "SteelGuitar:5", "Harmonica:5", "Violin:5", "CleanGuitar:5"},
       kStraightLeads,
       "Scale",
       0.2, 0.6, 0.2, 0.6, 1.5},
      {"disco",
       {{"dorian vamp", true, "1:m7 1:m7 4:7 4:7"},
        {"minor vamp", true, "1:m7 4:m7"},
        {"survivor", true, "1:m 4:m7 b7:7 b3:maj7 b6:maj7 2:m7b5 5:7 5:7"},
        {"maj7 vamp", false, "1:maj7 1:maj7 2:m7 2:m7"},
        {"ii-V-I-vi", false, "2:m7 5:7 1:maj7 6:m7"},
        {"dominant vamp", false, "1:9 1:9 4:9 4:9"}},
       {},
       {{"Piano1", "Piano1 Piano2 RhodesPiano"},
        {"BrassSection", "BrassSection SynthBrass1"},
        {"CleanGuitar", "CleanGuitar MutedGuitar"},
        {"FingeredBass", "FingeredBass SlapBass1 SynthBass1"},
        {"Strings", "Strings SynthStrings1 SlowStrings"}},
       0.4,
       {"Strings:5", "SynthBrass1:5", "BrassSection:5", "Flute:5", "SynthStrings1:5"},
       join(kStraightLeads, kSparseLeads),
       "Chord",
       0.2, 0.6, 0.2, 0.6, 2.0},
      {"hiphop",
       {{"minor loop", true, "1:m7 1:m7 4:m7 4:m7"},
        {"i9-VImaj7", true, "1:m9 b6:maj7"},
        {"jazzy ii-V", false, "2:m7 5:7 1:maj7 1:maj7"},
        {"dark loop", true, "1:m 1:m b6: b6:"},
        {"i-v", true, "1:m7 5:m7"},
        {"soul descent", false, "4:maj7 3:m7 2:m7 1:maj7"}},
       {},
       {{"Piano1", "Piano1 RhodesPiano EPiano"},
        {"FingeredBass", "FingeredBass SynthBass1 SynthBass2"},
        {"Strings", "Strings SynthStrings1 SlowStrings"}},
       0.4,
       {"RhodesPiano:5", "Flute:5", "Vibraphone:5", "Strings:5", "SquareWave:5"},
       kSparseLeads,
       "Chord",
       0.1, 0.5, 0.1, 0.5, 1.0},
      {"jazz",
       {{"ii-V-I", false, "2:m7 5:7 1:maj7 1:maj7"},
        {"I-vi-ii-V", false, "1:maj7/6:m7 2:m7/5:7"},
        {"minor ii-V-i", true, "2:m7b5 5:7 1:m6 1:m6"},
        {"jazz blues", false, "1:7 4:7 1:7 5:m7/1:7 4:7 #4:dim7 1:7 6:7 2:m7 5:7 1:7/6:7 2:m7/5:7"},
        {"autumn changes", true, "4:m7 b7:7 b3:maj7 b6:maj7 2:m7b5 5:7 1:m6 1:m6"},
        {"iii-VI-ii-V", false, "3:m7/6:7 2:m7/5:7 1:maj7 1:6"},
        {"rhythm bridge", false, "3:7 3:7 6:7 6:7 2:7 2:7 5:7 5:7"}},
       {5, 10, 3, 8, 0, 7, 2},
       {{"Piano1", "Piano1 Piano2"},
        {"JazzGuitar", "JazzGuitar CleanGuitar"},
        {"Trumpet", "Trumpet MutedTrumpet"},
        {"TenorSax", "TenorSax AltoSax"}},
       0.6,
       {"TenorSax:4", "AltoSax:5", "Trumpet:5", "MutedTrumpet:5", "Vibraphone:5", "Trombone:4"},
       kSwingLeads,
       "Chord",
       0.3, 0.6, 0.3, 0.6, 1.0},
      {"metal",
       {{"i-VI-VII", true, "1:5 b6:5 b7:5 1:5"},
        {"phrygian", true, "1:5 1:5 b2:5 1:5"},
        {"i-III-iv", true, "1:5 b3:5 4:5 4:5"},
        {"descending", true, "1:5 b7:5 b6:5 b7:5"},
        {"tritone", true, "1:5 1:5 b5:5 4:5"},
        {"pedal", true, "1:5 1:5 1:5 b6:5 1:5 1:5 b7:5 b6:5"}},
       {4, 2, 1, 9, 11, 6, 0},
       {{"DistortonGuitar", "DistortionGuitar OverDriveGuitar"},
        {"DistortionGuitar", "DistortionGuitar OverDriveGuitar"},
        {"OverDriveGuitar", "OverDriveGuitar DistortionGuitar"},
        {"CleanGuitar", "CleanGuitar DistortionGuitar"},
        {"FingeredBass", "FingeredBass PickedBass"}},
       0.5,
       {"DistortionGuitar:5", "OverDriveGuitar:5"},
       join(kShredLeads, kLongLeads),
       "Scale",
       0.2, 0.5, 0.2, 0.5, 1.0},
      {"pop",
       {{"I-V-vi-IV", false, "1: 5: 6:m 4:"},
        {"vi-IV-I-V", false, "6:m 4: 1: 5:"},
        {"50s", false, "1: 6:m 4: 5:"},
        {"I-IV-vi-V", false, "1: 4: 6:m 5:"},
        {"IV-I-V-vi", false, "4: 1: 5: 6:m"},
        {"I-iii-IV-V", false, "1: 3:m 4: 5:"}},
       {},
       {{"Piano1", "Piano1 Piano2 Piano3"},
        {"Strings", "Strings SynthStrings1 SlowStrings"},
        {"CleanGuitar", "CleanGuitar SteelGuitar"},
        {"FingeredBass", "FingeredBass PickedBass SynthBass1"}},
       0.5,
       {"SquareWave:5", "SawWave:5", "Piano2:5", "Flute:5", "VoiceOohs:5", "SteelGuitar:5"},
       join(kStraightLeads, kSparseLeads),
       "Chord",
       0.2, 0.6, 0.2, 0.6, 2.0},
      {"reggae",
       {{"I-IV", false, "1: 4:"},
        {"I-IV-V-IV", false, "1: 4: 5: 4:"},
        {"i-iv", true, "1:m 4:m"},
        {"i-VII", true, "1:m b7:"},
        {"rocksteady", false, "1: 6:m 4: 5:"},
        {"I-ii", false, "1: 2:m"}},
       {},
       {{"Piano1", "Piano1 Piano2"},
        {"CleanGuitar", "CleanGuitar MutedGuitar JazzGuitar"},
        {"FingeredBass", "FingeredBass AcousticBass"}},
       0.5,
       {"Organ1:5", "Harmonica:5", "TenorSax:4", "Trombone:4", "Trumpet:5", "CleanGuitar:5"},
       kSparseLeads,
       "Chord",
       0.3, 0.7, 0.3, 0.7, 1.0},
      {"rock",
       {{"I-IV-V-IV", false, "1: 4: 5: 4:"},
        {"mixolydian", false, "1: b7: 4: 1:"},
        {"I-V-IV", false, "1: 5: 4: 4:"},
        {"aeolian", true, "1:m b7: b6: b7:"},
        {"12-bar rock'n'roll", false, "1: 1: 1: 1: 4: 4: 1: 1: 5: 4: 1: 5:"},
        {"power riff", true, "1:5 b3:5 4:5 4:5"}},
       {4, 9, 2, 7, 0, 5},
       {{"Piano1", "Piano1 Piano2"},
        {"OverDriveGuitar", "OverDriveGuitar DistortionGuitar"},
        {"DistortonGuitar", "DistortionGuitar OverDriveGuitar"},
        {"CleanGuitar", "CleanGuitar OverDriveGuitar MutedGuitar"},
        {"FingeredBass", "FingeredBass PickedBass"}},
       0.5,
       {"OverDriveGuitar:5", "DistortionGuitar:5", "Organ3:5", "Piano2:5"},
       kStraightLeads,
       "Scale",
       0.2, 0.5, 0.2, 0.5, 1.5},
  };
  return p;
}

const GenreProfile& profile_of(const std::string& genre) {
  for (const auto& p : profiles())
    if (genre == p.genre) return p;
  throw make_error("synth", "unknown genre '{}' (known: {})", genre, fmt::join(genre_names(), ", "));
}

// ---------------------------------------------------------------------------------------------------------------
// MMA text helpers.

// Re-lays a pattern written for a 4-beat bar ("1 4 90; 2.5 8 80") onto a bar of `beats` beats: beat b of the new
// bar plays what beat (b mod 4) of the original played.
std::string tile_pattern(const std::string& pattern4, int beats) {
  if (beats == 4) return pattern4;
  std::vector<std::pair<double, std::string>> events;  // (offset, rest of the event)
  for (const std::string& part : split(pattern4, ';')) {
    const std::string ev = trim(part);
    if (ev.empty()) continue;
    const size_t sp = ev.find(' ');
    events.emplace_back(std::stod(ev.substr(0, sp)), sp == std::string::npos ? "" : ev.substr(sp));
  }
  std::vector<std::string> out;
  for (int b = 0; b < beats; ++b) {
    for (const auto& [offset, rest] : events) {
      const int beat = static_cast<int>(std::floor(offset)) - 1;
      if (beat != b % 4) continue;
      out.push_back(fmt::format("{:g}{}", offset - beat + b, rest));
    }
  }
  std::string s;
  for (size_t i = 0; i < out.size(); ++i) s += (i ? "; " : "") + out[i];
  return s;
}

std::string track(const std::string& name, const std::string& voice, int octave, const std::string& pattern, int beats,
                  const std::string& volume, const std::string& extra = "") {
  return fmt::format("Begin {}\n  Voice {}\n  Octave {}\n  Sequence {{ {} }}\n  Volume {}\n{}End\n", name, voice, octave,
                     tile_pattern(pattern, beats), volume, extra);
}

std::vector<std::string> words(const char* s) { return split_ws(s); }

// The parts added to a drums-only groove: bass, chords and colour for its genre. Several patterns per part, picked
// per clip, so two clips on the same drum pattern still differ.
std::string band_parts(const std::string& band, Rng& rng, int beats, int tempo) {
  std::string s = "// band: " + band + "\n";
  const std::string chord_extra = "  Voicing Mode=Optimal\n  Articulate 90\n";
  auto pick = [&](std::initializer_list<const char*> options) {
    std::vector<std::string> v(options.begin(), options.end());
    return rng.pick(v);
  };
  if (band == "blues") {
    if (rng.chance(0.5)) {
      s += track("Walk-MgcBass", pick({"AcousticBass", "FingeredBass"}), 3, "1 4 95; 2 4 85; 3 4 92; 4 4 85", beats,
                 "mf", "  Articulate 85\n");
    } else {
      s += track("Bass-MgcBass", pick({"AcousticBass", "FingeredBass"}), 3, "1 4 1 95; 2 4 3 85; 3 4 5 92; 4 4 6 85",
                 beats, "mf", "  Articulate 80\n");
    }
    s += track("Chord-MgcKeys", pick({"Piano1", "Organ3", "Honky-TonkPiano"}), 5,
               pick({"2 8 80; 4 8 80", "1 4 70; 2.66 8 80; 3 4 70; 4.66 8 80", "1 2 65; 3 2 65"}), beats, "mp",
               chord_extra);
    if (rng.chance(0.6)) {
      const std::string gtr = pick({"CleanGuitar", "OverDriveGuitar", "JazzGuitar"});
      s += track("Bass-MgcGtrRoot", gtr, 4, "1 8 1 85; 1.66 8 1 70; 2 8 1 85; 2.66 8 1 70; 3 8 1 85; 3.66 8 1 70; "
                 "4 8 1 85; 4.66 8 1 70", beats, "mp");
      s += track("Bass-MgcGtrTop", gtr, 4, "1 8 5 85; 1.66 8 5 70; 2 8 6 85; 2.66 8 6 70; 3 8 5 85; 3.66 8 5 70; "
                 "4 8 6 85; 4.66 8 6 70", beats, "mp");
    }
  } else if (band == "country") {
    s += track("Bass-MgcBass", pick({"FingeredBass", "AcousticBass"}), 3,
               pick({"1 4 1 95; 3 4 5 88", "1 4 1 95; 2.5 8 3 70; 3 4 5 88; 4.5 8 3 70"}), beats, "mf",
               "  Articulate 75\n");
    s += track("Chord-MgcGtr", pick({"SteelGuitar", "NylonGuitar"}), 5,
               pick({"2 8 85; 4 8 85", "1 8 70; 2 8 88; 2.5 8 60; 3 8 70; 4 8 88; 4.5 8 60"}), beats, "mf",
               chord_extra + "  Strum 8\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcPiano", pick({"Honky-TonkPiano", "Piano1"}), 5, "2 8 70; 4 8 70", beats, "mp", chord_extra);
    if (rng.chance(0.4))
      s += track("Arpeggio-MgcBanjo", "Banjo", 5,
                 "1 16 75; 1.25 16 65; 1.5 16 70; 1.75 16 65; 2 16 75; 2.25 16 65; 2.5 16 70; 2.75 16 65; 3 16 75; "
                 "3.25 16 65; 3.5 16 70; 3.75 16 65; 4 16 75; 4.25 16 65; 4.5 16 70; 4.75 16 65",
                 beats, "p");
  } else if (band == "disco") {
    s += track("Bass-MgcBass", pick({"FingeredBass", "SlapBass1", "SynthBass1"}), 3,
               pick({"1 8 1 100; 1.5 8 8 85; 2 8 1 100; 2.5 8 8 85; 3 8 1 100; 3.5 8 8 85; 4 8 1 100; 4.5 8 8 85",
                     "1 8 1 100; 1.5 8 8 85; 2 8 5 90; 2.5 8 8 85; 3 8 1 100; 3.5 8 8 85; 4 8 6 90; 4.5 8 8 85"}),
               beats, "mf", "  Articulate 70\n");
    s += track("Chord-MgcGtr", pick({"MutedGuitar", "CleanGuitar"}), 5,
               pick({"1.5 16 80; 2.5 16 85; 3.5 16 80; 4.5 16 85",
                     "1 16 60; 1.25 16 50; 1.5 16 80; 2.25 16 55; 2.5 16 85; 3 16 60; 3.5 16 80; 4.25 16 55; 4.5 16 85"}),
               beats, "mp", chord_extra);
    s += track("Chord-MgcStrings", pick({"Strings", "SynthStrings1", "SlowStrings"}), 5, "1 1 60", beats, "mp",
               "  Voicing Mode=Optimal\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcKeys", pick({"RhodesPiano", "Piano2", "BrassSection"}), 5, "2 8 75; 3.5 8 70; 4 8 75",
                 beats, "mp", chord_extra);
  } else if (band == "hiphop") {
    s += track("Bass-MgcBass", pick({"SynthBass1", "SynthBass2", "FingeredBass", "AcousticBass"}), 2,
               pick({"1 4. 1 110; 2.75 16 1 90; 3.5 8 5 95", "1 2 1 110; 3.5 4 1 95", "1 8 1 110; 2.5 8 1 90; 3.25 8 5 95; "
                     "4 8 8 85"}),
               beats, "f", "  Articulate 90\n");
    s += track("Chord-MgcKeys", pick({"RhodesPiano", "EPiano", "Piano1", "Vibraphone"}), 5,
               pick({"1 2 70; 3.5 8 60", "1 1 60", "1.5 8 65; 2.75 8 60; 4 4 65"}), beats, "mp", chord_extra);
    if (rng.chance(0.6))
      s += track("Chord-MgcPad", pick({"WarmPad", "Strings", "HaloPad", "ChoirAahs"}), 4, "1 1 45", beats, "p",
                 "  Voicing Mode=Optimal\n");
  } else if (band == "jazz") {
    s += track("Walk-MgcBass", "AcousticBass", 3, "1 4 92; 2 4 85; 3 4 90; 4 4 85", beats, "mf", "  Articulate 85\n");
    s += track("Chord-MgcPiano", pick({"Piano1", "Piano2", "RhodesPiano"}), 5,
               pick({"1 4 80; 2.66 8 75", "2 8 75; 4 8 75", "1.66 8 75; 3 4 70", "1 4 75; 2.66 8 70; 4.66 8 70"}), beats,
               "mp", chord_extra);
    if (rng.chance(0.4))
      s += track("Chord-MgcGtr", "JazzGuitar", 4, "1 4 60; 2 4 50; 3 4 60; 4 4 50", beats, "p", chord_extra);
  } else if (band == "metal") {
    const std::string gtr = pick({"DistortionGuitar", "OverDriveGuitar"});
    const std::string riff = pick(
        {"1 8 1 110; 1.5 8 1 95; 2 8 1 110; 2.5 8 1 95; 3 8 1 110; 3.5 8 1 95; 4 8 1 110; 4.5 8 1 95",
         "1 8 1 110; 1.5 16 1 95; 1.75 16 1 95; 2 8 1 110; 2.5 16 1 95; 2.75 16 1 95; 3 8 1 110; 3.5 16 1 95; "
         "3.75 16 1 95; 4 8 1 110; 4.5 16 1 95; 4.75 16 1 95",
         "1 16 1 110; 1.25 16 1 90; 1.5 16 1 100; 1.75 16 1 90; 2 16 1 110; 2.25 16 1 90; 2.5 16 1 100; 2.75 16 1 90; "
         "3 16 1 110; 3.25 16 1 90; 3.5 16 1 100; 3.75 16 1 90; 4 16 1 110; 4.25 16 1 90; 4.5 16 1 100; 4.75 16 1 90",
         "1 2 1 110; 3 4 1 105; 4 4 1 100"});
    auto with_note = [](std::string p, const char* note) {  // the same rhythm on the fifth: a power chord
      std::string out;
      for (const std::string& part : split(p, ';')) {
        auto w = split_ws(part);
        if (w.size() != 4) continue;
        out += (out.empty() ? "" : "; ") + w[0] + " " + w[1] + " " + note + " " + w[3];
      }
      return out;
    };
    s += track("Bass-MgcGtrRoot", gtr, 3, riff, beats, "f", "  Articulate 80\n");
    s += track("Bass-MgcGtrFifth", gtr, 3, with_note(riff, "5"), beats, "f", "  Articulate 80\n");
    s += track("Bass-MgcBass", pick({"PickedBass", "FingeredBass"}), 2, riff, beats, "f", "  Articulate 80\n");
    if (rng.chance(0.3))
      s += track("Chord-MgcPad", pick({"Strings", "ChoirAahs", "Organ1"}), 4, "1 1 45", beats, "p",
                 "  Voicing Mode=Optimal\n");
  } else if (band == "pop") {
    s += track("Bass-MgcBass", pick({"FingeredBass", "PickedBass", "SynthBass1"}), 3,
               pick({"1 8 1 95; 1.5 8 1 75; 2 8 1 85; 2.5 8 1 75; 3 8 1 95; 3.5 8 1 75; 4 8 5 85; 4.5 8 1 75",
                     "1 4. 1 95; 2.5 8 1 80; 3 4. 5 90; 4.5 8 1 80", "1 4 1 95; 2.5 8 1 80; 3 4 1 90; 4 8 5 80"}),
               beats, "mf", "  Articulate 85\n");
    s += track("Chord-MgcKeys", pick({"Piano1", "Piano2", "EPiano", "Piano3"}), 5,
               pick({"1 4 80; 2 4 70; 3 4 80; 4 4 70", "1 4. 80; 2.5 8 70; 3.5 4 75", "1 2 75; 3 2 70"}), beats, "mp",
               chord_extra);
    if (rng.chance(0.6))
      s += track("Chord-MgcPad", pick({"WarmPad", "Strings", "SynthStrings1", "PolySynth"}), 4, "1 1 50", beats, "p",
                 "  Voicing Mode=Optimal\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcGtr", pick({"CleanGuitar", "SteelGuitar", "MutedGuitar"}), 5,
                 "1 8 70; 1.5 8 55; 2 8 70; 2.5 8 55; 3 8 70; 3.5 8 55; 4 8 70; 4.5 8 55", beats, "p", chord_extra);
  } else if (band == "reggae") {
    const bool fast = tempo >= 110;  // ska tempo: skank on every off-beat; one-drop tempo: on 2 and 4
    s += track("Chord-MgcSkank", pick({"CleanGuitar", "MutedGuitar", "JazzGuitar"}), 5,
               fast ? "1.5 16 90; 2.5 16 90; 3.5 16 90; 4.5 16 90" : "2 16 95; 4 16 95", beats, "mf", chord_extra);
    s += track("Chord-MgcBubble", pick({"Organ1", "Organ2", "Organ3"}), 5,
               fast ? "1.5 16 55; 2.5 16 60; 3.5 16 55; 4.5 16 60" : "1.75 16 50; 2.5 16 60; 3.75 16 50; 4.5 16 60",
               beats, "mp", chord_extra);
    s += track("Bass-MgcBass", pick({"FingeredBass", "SynthBass2", "AcousticBass"}), 2,
               fast ? "1 8 1 100; 1.5 8 1 80; 2 8 3 90; 2.5 8 3 80; 3 8 5 95; 3.5 8 5 80; 4 8 6 90; 4.5 8 5 80"
                    : pick({"1 4. 1 105; 2.5 8 3 85; 3 4 5 95; 4 8 6 80; 4.5 8 5 80",
                            "1.5 8 1 100; 2 4 1 90; 3 8 5 95; 3.5 8 3 80; 4 4 1 85",
                            "1 4 1 105; 2 8 1 80; 2.5 8 3 85; 3 4. 5 95; 4.5 8 3 80"}),
               beats, "f", "  Articulate 90\n");
    if (rng.chance(0.35))
      s += track("Chord-MgcHorns", pick({"BrassSection", "Trombone", "TenorSax"}), 5, "2.5 8 80; 4.5 8 80", beats, "mp",
                 chord_extra);
  } else if (band == "rock") {
    const std::string gtr = pick({"OverDriveGuitar", "DistortionGuitar", "OverDriveGuitar"});
    s += track("Bass-MgcBass", pick({"PickedBass", "FingeredBass"}), 2,
               pick({"1 8 1 100; 1.5 8 1 85; 2 8 1 95; 2.5 8 1 85; 3 8 1 100; 3.5 8 1 85; 4 8 1 95; 4.5 8 1 85",
                     "1 4 1 100; 2 4 1 90; 3 4 1 100; 4 8 5 90; 4.5 8 1 85"}),
               beats, "f", "  Articulate 85\n");
    s += track("Chord-MgcGtr", gtr, 4,
               pick({"1 8 90; 1.5 8 80; 2 8 90; 2.5 8 80; 3 8 90; 3.5 8 80; 4 8 90; 4.5 8 80", "1 4. 90; 2.5 8 85; 3 2 90",
                     "1 2 90; 3 4 85; 4 4 85"}),
               beats, "mf", chord_extra);
    if (rng.chance(0.4))
      s += track("Chord-MgcKeys", pick({"Organ3", "Piano2", "CleanGuitar"}), 5, "1 2 60; 3 2 60", beats, "mp",
                 chord_extra);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Harmony.

const char* kRootNames[12] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
const char* kMinorKeyNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};

int degree_semitones(const std::string& d) {
  static const std::map<std::string, int> table = {{"1", 0},  {"b2", 1}, {"2", 2},  {"b3", 3}, {"3", 4},
                                                   {"4", 5},  {"#4", 6}, {"b5", 6}, {"5", 7},  {"b6", 8},
                                                   {"6", 9},  {"b7", 10}, {"7", 11}};
  const auto it = table.find(d);
  if (it == table.end()) throw make_error("synth", "bad scale degree '{}' in a progression", d);
  return it->second;
}

// "b7:maj7" in key `tonic` -> "Bbmaj7"-style MMA chord name.
std::string chord_name(const std::string& token, int tonic) {
  const size_t colon = token.find(':');
  if (colon == std::string::npos) throw make_error("synth", "bad chord token '{}' (want degree:quality)", token);
  const int pc = (tonic + degree_semitones(token.substr(0, colon))) % 12;
  return std::string(kRootNames[pc]) + token.substr(colon + 1);
}

// One bar of MMA chord data: "C7" or, with two chords, "C7 / F7 /" (the second on the middle beat).
std::string bar_chords(const std::string& bar, int tonic, int beats) {
  const auto chords = split(bar, '/');
  if (chords.size() == 1) return chord_name(chords[0], tonic);
  std::vector<std::string> slots(static_cast<size_t>(beats), "/");
  slots[0] = chord_name(chords[0], tonic);
  slots[static_cast<size_t>((beats + 1) / 2)] = chord_name(chords[1], tonic);
  std::string s;
  for (size_t i = 0; i < slots.size(); ++i) s += (i ? " " : "") + slots[i];
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: posix_spawn with an argv array (no shell), stdout+stderr into a log file, PYTHONHASHSEED pinned so
// MMA (Python) makes the same choices every run.

struct ProcessResult {
  int exit_code = -1;
  std::string output;
};

std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    if (kv.rfind("PYTHONHASHSEED=", 0) == 0 || kv.rfind("PYTHONDONTWRITEBYTECODE=", 0) == 0) continue;
    env.push_back(kv);
  }
  env.emplace_back("PYTHONHASHSEED=0");
  env.emplace_back("PYTHONDONTWRITEBYTECODE=1");
  return env;
}

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&fa_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

// Runs argv (argv[0] a path) and waits at most `timeout_s`, then kills it. Throws mgc::Error if it cannot start
// or ran too long.
ProcessResult run_tool(const std::vector<std::string>& argv, const std::string& log_path, double timeout_s) {
  FileActions fa;
  posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(fa.get(), 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(fa.get(), 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  static const std::vector<std::string> env_strings = child_environment();
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), fa.get(), nullptr, args.data(), envp.data());
  if (rc != 0) throw make_error("synth", "cannot run '{}': {}", argv[0], std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw make_error("synth", "waiting for '{}' failed: {}", argv[0], std::strerror(errno));
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw make_error("synth", "'{}' ran longer than {:.0f} s and was stopped", argv[0], timeout_s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ProcessResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  std::ifstream in(log_path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  return r;
}

// The useful lines of a tool's output for an error message: MMA's plugin-folder warning dropped, at most ~400
// characters, newlines folded.
std::string brief(const std::string& output) {
  std::string s;
  for (const std::string& line : split(output, '\n')) {
    const std::string t = trim(line);
    if (t.empty() || t.find("PLUGIN '") != std::string::npos) continue;
    s += (s.empty() ? "" : " | ") + t;
  }
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s.empty() ? "(no output)" : s;
}

// Resolves a program name through PATH (or checks a path). "" if not found/executable.
std::string find_program(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  for (const std::string& dir : split(path ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st{};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

// A temporary folder, removed with its contents when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "mgc-synth-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw make_error("synth", "cannot create a temporary folder: {}", std::strerror(errno));
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// ---------------------------------------------------------------------------------------------------------------
// Manifest.

struct ManifestRow {
  std::string path, genre, groove, groove_file;
  int tempo = 0;
  std::string key;
  double seconds = 0;
  uint64_t seed = 0;
};

constexpr const char* kManifestHeader = "path,genre,groove,groove_file,tempo,key,seconds,seed";
// Before the column was renamed (same meaning): such a manifest is still read, and rewritten with the new header.
constexpr const char* kOldManifestHeader = "path,genre,groove,library,tempo,key,seconds,seed";

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Rows of an existing manifest by path; a missing or foreign file gives none (everything is re-checked anyway).
std::map<std::string, ManifestRow> read_manifest(const std::string& path) {
  std::map<std::string, ManifestRow> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, line) || (trim(line) != kManifestHeader && trim(line) != kOldManifestHeader)) return rows;
  while (std::getline(in, line)) {
    const auto f = csv_split(line);
    if (f.size() != 8) continue;
    try {
      ManifestRow r{f[0], f[1], f[2], f[3], std::stoi(f[4]), f[5], std::stod(f[6]), std::stoull(f[7])};
      rows[r.path] = r;
    } catch (const std::exception&) {
      continue;
    }
  }
  return rows;
}

std::string manifest_text(const std::map<std::string, ManifestRow>& rows) {
  std::string s = std::string(kManifestHeader) + "\n";
  for (const auto& [path, r] : rows)
    s += fmt::format("{},{},{},{},{},{},{:g},{}\n", csv_field(r.path), csv_field(r.genre), csv_field(r.groove),
                     csv_field(r.groove_file), r.tempo, csv_field(r.key), r.seconds, r.seed);
  return s;
}

std::string clip_name(const std::string& genre, int index) { return fmt::format("{}.{:05d}", genre, index); }

// True if `path` is a mono 16-bit WAV of exactly `frames` frames at `rate`.
bool clip_is_complete(const std::string& path, int rate, int64_t frames) {
  SF_INFO info{};
  SndfilePtr f(sf_open(path.c_str(), SFM_READ, &info));
  if (!f) return false;
  return info.channels == 1 && info.samplerate == rate && info.frames == frames &&
         (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV && (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
}

int64_t clip_frames(const SynthConfig& c) { return static_cast<int64_t>(std::llround(c.seconds * c.sample_rate)); }

std::vector<std::string> active_genres(const SynthConfig& c) {
  if (c.genres.empty()) return genre_names();
  std::vector<std::string> g = c.genres;
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering one clip.

struct ClipOutcome {
  bool ok = false;
  ManifestRow row;
  std::vector<std::string> errors;
};

// Renders `plan` into `final_path` (through a temporary file in the same folder). Throws mgc::Error with the
// tool's message on failure.
void render_plan(const SynthConfig& config, const ClipPlan& plan, const std::string& mma, const std::string& fluidsynth,
                 const std::string& final_path) {
  ScratchDir scratch;
  const std::string mma_file = scratch.file("clip.mma");
  const std::string mid = scratch.file("clip.mid");
  const std::string raw = scratch.file("clip.wav");
  {
    std::ofstream out(mma_file, std::ios::binary);
    out << plan.mma_source;
    if (!out) throw make_error("synth", "cannot write '{}'", mma_file);
  }
  const ProcessResult m = run_tool({mma, "-f", mid, mma_file}, scratch.file("mma.log"), 120);
  std::error_code ec;
  if (m.exit_code != 0 || !fs::exists(mid, ec) || fs::file_size(mid, ec) == 0)
    throw make_error("synth", "mma failed (exit {}): {}", m.exit_code, brief(m.output));

  std::vector<std::string> argv = {fluidsynth, "-n", "-i", "-q", "-R", "1", "-C", "1", "-g", "0.5",
                                   "-r", std::to_string(config.sample_rate), "-T", "wav", "-O", "float",
                                   "-o", "synth.cpu-cores=1"};
  for (const auto& opt : plan.fluidsynth_options) {
    argv.push_back("-o");
    argv.push_back(opt);
  }
  argv.insert(argv.end(), {"-F", raw, config.soundfont, mid});
  const ProcessResult f = run_tool(argv, scratch.file("fluidsynth.log"), 120 + 2 * config.seconds);
  if (f.exit_code != 0) throw make_error("synth", "fluidsynth failed (exit {}): {}", f.exit_code, brief(f.output));

  SF_INFO info{};
  SndfilePtr in(sf_open(raw.c_str(), SFM_READ, &info));
  if (!in)
    throw make_error("synth", "fluidsynth wrote no readable audio ({}): {}", sf_strerror(nullptr), brief(f.output));
  if (info.samplerate != config.sample_rate || info.channels < 1)
    throw make_error("synth", "fluidsynth wrote {} Hz x {} channels, expected {} Hz", info.samplerate, info.channels,
                     config.sample_rate);
  const int64_t n = clip_frames(config);
  const int64_t start = static_cast<int64_t>(std::llround(plan.offset * config.sample_rate));
  if (info.frames < start + n)
    throw make_error("synth", "rendered only {:.2f} s, {:.2f} s needed: {}",
                     static_cast<double>(info.frames) / config.sample_rate,
                     static_cast<double>(start + n) / config.sample_rate, brief(f.output));
  std::vector<float> inter(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  if (sf_readf_float(in.get(), inter.data(), info.frames) != info.frames)
    throw make_error("synth", "short read of fluidsynth's output");
  in.reset();

  std::vector<double> mono(static_cast<size_t>(n));
  double peak = 0, energy = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = 0;
    for (int c = 0; c < info.channels; ++c) v += inter[static_cast<size_t>((start + i) * info.channels + c)];
    v /= info.channels;
    mono[static_cast<size_t>(i)] = v;
    peak = std::max(peak, std::abs(v));
    energy += v * v;
  }
  const double rms = std::sqrt(energy / static_cast<double>(std::max<int64_t>(n, 1)));
  if (peak < 1e-4 || rms < 1e-5)
    throw make_error("synth", "the render is silent (peak {:.2g}); is '{}' a General MIDI soundfont? {}", peak,
                     config.soundfont, brief(f.output));
  // Peak-normalise to -1 dBFS, then the clip's gain (-6..0 dB): level varies, nothing clips.
  const double scale = std::pow(10.0, (-1.0 + plan.gain_db) / 20.0) / peak;
  std::vector<short> pcm(static_cast<size_t>(n));
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double v = std::clamp(mono[i] * scale * 32767.0, -32768.0, 32767.0);
    pcm[i] = static_cast<short>(std::lrint(v));
  }

  const std::string tmp = fs::path(final_path).parent_path() / ("." + fs::path(final_path).filename().string() + ".tmp");
  {
    SF_INFO out_info{};
    out_info.samplerate = config.sample_rate;
    out_info.channels = 1;
    out_info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SndfilePtr out(sf_open(tmp.c_str(), SFM_WRITE, &out_info));
    if (!out) throw make_error("synth", "cannot create '{}': {}", tmp, sf_strerror(nullptr));
    if (sf_writef_short(out.get(), pcm.data(), n) != n) {
      out.reset();
      fs::remove(tmp, ec);
      throw make_error("synth", "cannot write '{}'", tmp);
    }
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw make_error("synth", "cannot rename '{}' into place: {}", tmp, ec.message());
  }
}

std::string fmt_double(double v) { return fmt::format("{:.3f}", v); }

}  // namespace

// -----------------------------------------------------------------------------------------------------------------
// Public API.

void SynthConfig::validate() const {
  if (out_dir.empty()) throw make_error("synth", "out_dir is empty: give the corpus folder (--out DIR)");
  if (clips_per_genre < 1 || clips_per_genre > 99999)
    throw make_error("synth", "clips_per_genre must be 1..99999, got {}", clips_per_genre);
  if (!(seconds > 0) || seconds > 600) throw make_error("synth", "seconds must be in (0, 600], got {}", seconds);
  if (sample_rate < 8000 || sample_rate > 96000)
    throw make_error("synth", "sample_rate must be 8000..96000 Hz (FluidSynth's range), got {}", sample_rate);
  if (threads < 0) throw make_error("synth", "threads must be >= 0 (0 = all cores), got {}", threads);
  if (soundfont.empty()) throw make_error("synth", "soundfont is empty");
  const auto& known = genre_names();
  for (const auto& g : genres)
    if (std::find(known.begin(), known.end(), g) == known.end())
      throw make_error("synth", "genres: unknown genre '{}' (known: {})", g, fmt::join(known, ", "));
}

std::string GrooveEntry::mma_name() const {
  if (library == "mgc") return groove;
  return library + "/" + file + ":" + groove;
}

const std::vector<std::string>& genre_names() {
  static const std::vector<std::string> names = {"blues", "classical", "country", "disco",  "hiphop",
                                                 "jazz",  "metal",     "pop",     "reggae", "rock"};
  return names;
}

const std::vector<GrooveEntry>& groove_table() {
  static const std::vector<GrooveEntry> table = [] {
    std::vector<GrooveEntry> t;
    for (const std::string& genre : genre_names()) {
      for (const Row& r : kRows) {
        if (genre != r.genre) continue;
        for (const std::string& g : split_ws(r.grooves)) {
          GrooveEntry e{r.genre, r.library, r.file, g, r.beats, r.tempo_min, r.tempo_max, r.band, r.note};
          for (const auto& bt : kBuiltinTempo)
            if (g == bt.groove) {
              e.tempo_min = bt.tempo_min;
              e.tempo_max = bt.tempo_max;
            }
          t.push_back(std::move(e));
        }
      }
    }
    return t;
  }();
  return table;
}

std::vector<GrooveEntry> grooves_of(const std::string& genre) {
  profile_of(genre);  // throws for an unknown genre
  std::vector<GrooveEntry> out;
  for (const auto& e : groove_table())
    if (e.genre == genre) out.push_back(e);
  return out;
}

std::string builtin_groove_source(const GrooveEntry& entry) {
  if (entry.library != "mgc") return "";
  const auto it = builtin_sources().find(entry.groove);
  if (it == builtin_sources().end()) throw make_error("synth", "built-in groove '{}' has no source", entry.groove);
  return it->second;
}

ClipPlan plan_clip(const SynthConfig& config, const std::string& genre, int index, int attempt) {
  const GenreProfile& prof = profile_of(genre);
  const std::vector<GrooveEntry> grooves = grooves_of(genre);
  ClipPlan plan;
  plan.genre = genre;
  plan.index = index;
  plan.seed = mix64(mix64(config.seed ^ fnv1a64(genre)) + static_cast<uint64_t>(index));

  // The groove: files first, so that every groove file of the genre weighs the same however many grooves it holds
  // (the file is what a split by groove_file holds out). A seeded permutation of the genre's files is walked by
  // clip index, so the first n clips use n different files and the files' clip counts differ by at most one; the
  // k-th visit to a file takes the k-th groove of a seeded permutation of that file's grooves. A retry takes the
  // file half the list away (another file, usually another library).
  std::vector<std::vector<size_t>> files;  // indices into grooves, one list per file, in table order
  for (size_t i = 0; i < grooves.size(); ++i) {
    if (i == 0 || grooves[i].library != grooves[i - 1].library || grooves[i].file != grooves[i - 1].file)
      files.emplace_back();
    files.back().push_back(i);
  }
  auto shuffle = [](std::vector<size_t>& v, uint64_t seed) {
    Rng perm_rng(seed);
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[perm_rng.next() % i]);
  };
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  shuffle(order, mix64(config.seed ^ fnv1a64(genre) ^ 0x5eedull));
  const size_t slot = static_cast<size_t>(index) + static_cast<size_t>(attempt) * (files.size() / 2 + 1);
  const size_t file = order[slot % files.size()];
  std::vector<size_t> in_file = files[file];
  shuffle(in_file, mix64(config.seed ^ fnv1a64(genre) ^ fnv1a64(grooves[in_file[0]].file) ^ 0xf11eull));
  plan.groove = grooves[in_file[(slot / files.size()) % in_file.size()]];
  const GrooveEntry& g = plan.groove;

  Rng rng(plan.seed + static_cast<uint64_t>(attempt) * 0x9e3779b97f4a7c15ull);
  plan.tempo = rng.range(g.tempo_min, g.tempo_max);
  const Progression& prog = rng.pick(prof.progressions);
  plan.progression = prog.name;
  const int tonic = prof.keys.empty() ? rng.range(0, 11) : rng.pick(prof.keys);
  plan.key = prog.minor ? std::string(kMinorKeyNames[tonic]) + "m" : std::string(kRootNames[tonic]);

  // Length: skip 1..2 bars (the clip starts inside the music, not on the first downbeat), then `seconds`, then two
  // spare bars for the release.
  const double bar_seconds = g.beats * 60.0 / plan.tempo;
  plan.offset = bar_seconds * rng.uniform(1.0, 2.0);
  plan.bars = static_cast<int>(std::ceil((plan.offset + config.seconds) / bar_seconds)) + 2;
  plan.gain_db = rng.uniform(-6.0, 0.0);

  // Room: reverb and chorus inside the genre's range.
  plan.fluidsynth_options = {
      "synth.reverb.room-size=" + fmt_double(rng.uniform(prof.room_min, prof.room_max)),
      "synth.reverb.damp=" + fmt_double(rng.uniform(0.0, 0.6)),
      "synth.reverb.width=" + fmt_double(rng.uniform(0.3, 1.0)),
      "synth.reverb.level=" + fmt_double(rng.uniform(prof.level_min, prof.level_max)),
      "synth.chorus.level=" + fmt_double(rng.uniform(0.0, prof.chorus_max)),
      "synth.chorus.depth=" + fmt_double(rng.uniform(3.0, 12.0)),
      "synth.chorus.speed=" + fmt_double(rng.uniform(0.2, 0.6)),
  };

  std::string s;
  s += fmt::format("// mgc synth: {} clip {} attempt {} (seed {}), {} in {}, {} bpm, progression '{}'\n", genre, index,
                   attempt + 1, plan.seed, g.mma_name(), plan.key, plan.tempo, prog.name);
  s += fmt::format("RndSeed {}\n", plan.seed % 1000000007ull);
  // Voice substitutions must come before the groove is loaded: MMA translates when it reads a Voice command.
  std::vector<std::string> tr;
  std::vector<VoiceRule> rules = prof.voices;
  if (genre != "classical") rules.insert(rules.end(), kCommonVoices.begin(), kCommonVoices.end());
  std::set<std::string> seen;
  for (const VoiceRule& r : rules) {
    if (!seen.insert(r.from).second) continue;  // genre rules win over the common ones
    const auto alternatives = words(r.to);
    const std::string& to = rng.pick(alternatives);
    if (to != r.from) tr.push_back(std::string(r.from) + "=" + to);
  }
  if (!tr.empty()) s += fmt::format("VoiceTr {}\n", fmt::join(tr, " "));
  s += builtin_groove_source(g);
  s += fmt::format("Tempo {}\nGroove {}\n", plan.tempo, g.mma_name());
  s += fmt::format("RndSeed {}\n", plan.seed % 1000000007ull);
  s += fmt::format("Volume {}\n", rng.pick(std::vector<std::string>{"mp", "mf", "mf", "f"}));
  if (g.band == "orchestra") s += "AllTracks Drum Off\n";
  if (!g.band.empty() && g.band != "orchestra") s += band_parts(g.band, rng, g.beats, plan.tempo);
  // Balance: drums, bass and harmony a little louder or softer (MIDI channel volume).
  s += fmt::format("AllTracks Drum MidiVolume {}\n", rng.range(85, 120));
  s += fmt::format("AllTracks Bass Walk MidiVolume {}\n", rng.range(85, 120));
  s += fmt::format("AllTracks Chord Arpeggio Plectrum Scale MidiVolume {}\n", rng.range(80, 115));
  if (rng.chance(prof.lead_chance)) {
    const std::string& lv = rng.pick(prof.lead_voices);
    const size_t colon = lv.find(':');
    const std::vector<std::string> directions = {"1 1 -1 r", "1 -1", "r", "1 1 1 -1 -1 -1", "2 -1 1 -1 r", "-1 -1 1 r"};
    s += track("Aria-MgcLead", lv.substr(0, colon), std::stoi(lv.substr(colon + 1)), rng.pick(prof.lead_rhythms),
               g.beats, rng.pick(std::vector<std::string>{"mp", "mf"}),
               fmt::format("  ScaleType {}\n  Direction {}\n  Articulate {}\n  RVolume 10\n", prof.lead_scale,
                           rng.pick(directions), rng.range(75, 95)));
  }
  // Chords: the progression looped from bar 1.
  const auto bars = split_ws(prog.bars);
  for (int b = 0; b < plan.bars; ++b)
    s += fmt::format("{} {}\n", b + 1, bar_chords(bars[static_cast<size_t>(b) % bars.size()], tonic, g.beats));
  plan.mma_source = std::move(s);
  return plan;
}

void check_synth_tools(const SynthConfig& config) {
  if (find_program(config.mma).empty())
    throw make_error("synth", "'{}' not found (looked in PATH): install the Debian package mma (apt install mma)",
                     config.mma);
  if (find_program(config.fluidsynth).empty())
    throw make_error("synth",
                     "'{}' not found (looked in PATH): install the Debian package fluidsynth (apt install fluidsynth)",
                     config.fluidsynth);
  std::error_code ec;
  if (!fs::is_regular_file(config.soundfont, ec))
    throw make_error("synth",
                     "soundfont '{}' not found: install the Debian package fluid-soundfont-gm (apt install "
                     "fluid-soundfont-gm) or pass --soundfont PATH",
                     config.soundfont);
  std::ifstream in(config.soundfont, std::ios::binary);
  char head[12] = {};
  in.read(head, sizeof(head));
  if (!in || std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "sfbk", 4) != 0)
    throw make_error("synth", "soundfont '{}' is not a SoundFont 2 file (no RIFF/sfbk header)", config.soundfont);
}

SynthReport synthesize_corpus(const SynthConfig& config) {
  config.validate();
  check_synth_tools(config);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string mma = find_program(config.mma);
  const std::string fluidsynth = find_program(config.fluidsynth);
  const fs::path root(config.out_dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw make_error("synth", "cannot create '{}': {}", config.out_dir, ec.message());

  // A corpus folder holds one (seed, length, rate, soundfont, generator): refuse to mix.
  const fs::path json_path = root / "synth.json";
  if (fs::exists(json_path, ec)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(read_file(json_path.string()));
    } catch (const nlohmann::json::exception& e) {
      throw make_error("synth", "'{}' is not valid JSON ({}); remove it or use another --out", json_path.string(),
                       e.what());
    }
    auto differs = [&](const char* key, const nlohmann::json& now) {
      if (old.contains(key) && old[key] != now)
        throw make_error("synth", "'{}' holds a corpus made with {} {} (this run: {}); use another --out or remove it",
                         config.out_dir, key, old[key].dump(), now.dump());
    };
    differs("generator", kGenerator);
    differs("seed", config.seed);
    differs("seconds", config.seconds);
    differs("sample_rate", config.sample_rate);
    differs("soundfont", config.soundfont);
  }

  const auto genres = active_genres(config);
  const int64_t frames = clip_frames(config);
  std::map<std::string, ManifestRow> rows = read_manifest((root / "manifest.csv").string());
  // Drop listed clips whose file is gone or incomplete; they are rendered again if in range.
  for (auto it = rows.begin(); it != rows.end();) {
    if (!clip_is_complete((root / it->first).string(), config.sample_rate, frames))
      it = rows.erase(it);
    else
      ++it;
  }

  // The effective configuration, written before rendering (so a resumed run is checked against it) and after.
  auto write_synth_json = [&](size_t listed) {
    std::map<std::string, int> per_genre;
    for (const auto& e : groove_table()) ++per_genre[e.genre];
    const nlohmann::json j = {{"generator", kGenerator},
                              {"out_dir", config.out_dir},
                              {"clips_per_genre", config.clips_per_genre},
                              {"seconds", config.seconds},
                              {"seed", config.seed},
                              {"soundfont", config.soundfont},
                              {"sample_rate", config.sample_rate},
                              {"channels", 1},
                              {"format", "WAV PCM 16-bit"},
                              {"threads", resolve_threads(config.threads)},
                              {"genres", genres},
                              {"grooves_per_genre", per_genre},
                              {"mma", mma},
                              {"fluidsynth", fluidsynth},
                              {"clips_listed", listed}};
    write_file_atomic(json_path.string(), j.dump(2) + "\n");
  };
  write_synth_json(rows.size());

  SynthReport report;
  struct Job {
    std::string genre;
    int index;
  };
  std::vector<Job> jobs;
  for (const auto& genre : genres) {
    fs::create_directories(root / genre, ec);
    if (ec) throw make_error("synth", "cannot create '{}': {}", (root / genre).string(), ec.message());
    for (int i = 0; i < config.clips_per_genre; ++i) {
      const std::string rel = genre + "/" + clip_name(genre, i) + ".wav";
      if (rows.count(rel))
        ++report.skipped;
      else
        jobs.push_back({genre, i});
    }
  }

  // Leftovers of an interrupted run: half-written clips (".<name>.wav.tmp").
  for (const auto& genre : genres)
    for (const auto& e : fs::directory_iterator(root / genre, ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 8 && name[0] == '.' && name.compare(name.size() - 8, 8, ".wav.tmp") == 0)
        fs::remove(e.path(), ec);
    }

  std::vector<ClipOutcome> outcomes(jobs.size());
  {
    Progress progress("synth", static_cast<int64_t>(jobs.size()), !config.quiet);
    std::atomic<int> failures{0};
    // The manifest is rewritten every 20 s during the run, so an interrupted run resumes with little lost.
    std::mutex manifest_mutex;
    std::map<std::string, ManifestRow> live_rows = rows;
    auto last_write = std::chrono::steady_clock::now();
    parallel_for(static_cast<int64_t>(jobs.size()), config.threads, [&](int64_t j, int) {
      const Job& job = jobs[static_cast<size_t>(j)];
      ClipOutcome& out = outcomes[static_cast<size_t>(j)];
      const std::string rel = job.genre + "/" + clip_name(job.genre, job.index) + ".wav";
      for (int attempt = 0; attempt < 2 && !out.ok; ++attempt) {
        ClipPlan plan;
        try {
          plan = plan_clip(config, job.genre, job.index, attempt);
          render_plan(config, plan, mma, fluidsynth, (root / rel).string());
          out.ok = true;
          out.row = {rel, job.genre, plan.groove.groove, plan.groove.library + "/" + plan.groove.file,
                     plan.tempo, plan.key, config.seconds, plan.seed};
        } catch (const std::exception& e) {
          std::string why = e.what();
          if (why.rfind("synth: ", 0) == 0) why = why.substr(7);
          out.errors.push_back(fmt::format("{} ({}, attempt {} of 2): {}", rel, plan.groove.mma_name(), attempt + 1,
                                           why));
        }
      }
      if (!out.ok) ++failures;
      {
        std::lock_guard<std::mutex> lock(manifest_mutex);
        if (out.ok) live_rows[out.row.path] = out.row;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_write > std::chrono::seconds(20)) {
          last_write = now;
          write_file_atomic((root / "manifest.csv").string(), manifest_text(live_rows));
        }
      }
      progress.tick(1, failures.load() ? fmt::format("{} failed", failures.load()) : "");
    });
  }

  for (const auto& o : outcomes) {
    if (o.ok) {
      ++report.rendered;
      rows[o.row.path] = o.row;
    } else {
      ++report.failed;
    }
    report.errors.insert(report.errors.end(), o.errors.begin(), o.errors.end());
  }

  write_file_atomic((root / "manifest.csv").string(), manifest_text(rows));
  write_synth_json(rows.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

GrooveCheck check_grooves(const std::vector<GrooveEntry>& entries, const std::string& mma) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string program = find_program(mma);
  if (program.empty())
    throw make_error("synth", "'{}' not found (looked in PATH): install the Debian package mma (apt install mma)", mma);
  // mma loads a chunk of grooves per process, one bar each, printing each groove's bar length; a groove that fails
  // stops its process, is recorded, and a new process goes on after it. Chunks stay small because MMA slows down
  // (and runs out of MIDI channels) as tracks pile up in one process; they run in parallel.
  constexpr size_t kChunk = 12;
  struct Part {
    int checked = 0;
    std::vector<std::string> failures;
  };
  const size_t n_chunks = (entries.size() + kChunk - 1) / kChunk;
  std::vector<Part> parts(n_chunks);
  parallel_for(static_cast<int64_t>(n_chunks), 0, [&](int64_t c, int) {
    Part& part = parts[static_cast<size_t>(c)];
    ScratchDir scratch;
    size_t next = static_cast<size_t>(c) * kChunk;
    const size_t stop = std::min(entries.size(), next + kChunk);
    while (next < stop) {
      std::string s = "Tempo 120\n";
      std::set<std::string> defined;
      for (size_t i = next; i < stop; ++i)
        if (entries[i].library == "mgc" && defined.insert(entries[i].groove).second)
          s += builtin_groove_source(entries[i]);
      for (size_t i = next; i < stop; ++i)
        s += fmt::format("Groove {}\nPrint MGC-CHECK {} $_Time\n{} C\n", entries[i].mma_name(), i, i - next + 1);
      {
        std::ofstream out(scratch.file("check.mma"), std::ios::binary);
        out << s;
      }
      const ProcessResult r = run_tool({program, "-f", scratch.file("check.mid"), scratch.file("check.mma")},
                                       scratch.file("check.log"), 300);
      size_t resume = next;
      std::string other;
      for (const std::string& line : split(r.output, '\n')) {
        const auto w = split_ws(line);
        if (w.size() != 3 || w[0] != "MGC-CHECK") {
          other += line + "\n";
          continue;
        }
        const size_t i = std::stoul(w[1]);
        if (std::abs(std::stod(w[2]) - entries[i].beats) > 1e-6)
          part.failures.push_back(fmt::format("{}: MMA's bar has {} beats, the table says {}", entries[i].mma_name(),
                                              w[2], entries[i].beats));
        ++part.checked;
        resume = i + 1;
      }
      if (r.exit_code == 0 && resume == stop) break;
      // The groove after the last one that printed did not load (or mma failed after the last print).
      if (resume >= stop) {
        part.failures.push_back(fmt::format("{}: mma failed after loading it: {}", entries[stop - 1].mma_name(),
                                            brief(other)));
        break;
      }
      part.failures.push_back(fmt::format("{}: {}", entries[resume].mma_name(), brief(other)));
      ++part.checked;
      next = resume + 1;
    }
  });
  GrooveCheck check;
  for (const Part& p : parts) {
    check.checked += p.checked;
    check.failures.insert(check.failures.end(), p.failures.begin(), p.failures.end());
  }
  check.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return check;
}

std::string groove_table_markdown() {
  std::string s;
  std::map<std::string, int> count;
  std::map<std::string, std::set<std::string>> files;
  for (const auto& e : groove_table()) {
    ++count[e.genre];
    files[e.genre].insert(e.library + "/" + e.file);
  }
  s += "| genre | grooves | groove files |\n|---|---:|---:|\n";
  for (const auto& g : genre_names()) s += fmt::format("| {} | {} | {} |\n", g, count[g], files[g].size());
  s += fmt::format("| **total** | **{}** | |\n\n", groove_table().size());
  for (const auto& g : genre_names()) {
    s += fmt::format("### {} ({} grooves in {} files)\n\n", g, count[g], files[g].size());
    s += "| library/file | grooves | beats | tempo | band | why (doubtful mappings) |\n|---|---|---:|---|---|---|\n";
    for (const Row& r : kRows) {
      if (g != r.genre) continue;
      std::string tempo = fmt::format("{}-{}", r.tempo_min, r.tempo_max);
      if (r.tempo_min == 0) {
        std::vector<std::string> parts;
        for (const auto& name : split_ws(r.grooves))
          for (const auto& bt : kBuiltinTempo)
            if (name == bt.groove) parts.push_back(fmt::format("{}-{}", bt.tempo_min, bt.tempo_max));
        tempo = fmt::format("{}", fmt::join(parts, ", "));
      }
      s += fmt::format("| {}/{} | {} | {} | {} | {} | {} |\n", r.library, r.file, fmt::join(split_ws(r.grooves), ", "),
                       r.beats, tempo, *r.band ? r.band : "own", r.note);
    }
    s += "\n";
  }
  return s;
}

}  // namespace mgc::data
