#include "mgc/synth/grooves.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "mgc/core/error.h"
#include "mgc/synth/text.h"

namespace mgc::synth {
namespace {

// One row per MMA groove file; `grooves` lists the main grooves used (intros, endings and fills are left out: a clip
// is one steady section). Fields in the order the designated initialisers below must follow.
struct GrooveFile {
  const char* genre;      // one of genre_names()
  const char* library;    // GrooveEntry::library
  const char* file;       // GrooveEntry::file
  int beats = 4;          // GrooveEntry::beats
  int tempo_min = 0;      // GrooveEntry::tempo_min, bpm; 0 (and tempo_max 0) for built-in grooves: kBuiltinTempo
  int tempo_max = 0;      // GrooveEntry::tempo_max, bpm
  const char* band = "";  // GrooveEntry::band
  const char* grooves;    // space-separated DefGroove names
  const char* note = "";  // GrooveEntry::note
};

// The groove table. Tempo ranges are in MMA beats per minute. docs/GROOVES.md is generated from this (mgc synth
// --list-grooves --markdown) and explains the doubtful rows.
// clang-format off
constexpr GrooveFile kGrooveFiles[] = {
    // blues
    {.genre = "blues", .library = "stdlib", .file = "blues", .beats = 4, .tempo_min = 80, .tempo_max = 130,
     .grooves = "Blues BluesTriple BluesSus BluesTripleSus BluesTripleL BluesTripleR Blues1 Blues1Sus"},
    {.genre = "blues", .library = "stdlib", .file = "slowblues", .beats = 4, .tempo_min = 55, .tempo_max = 80,
     .grooves = "SlowBlues SlowBluesSus SlowBluesWalk4 SlowBluesWalk4Sus SlowBluesWalk8 SlowBluesWalk8Sus "
                "SlowBlues12Triple SlowBlues34Triple SlowBlues4Triple"},
    {.genre = "blues", .library = "stdlib", .file = "fastblues", .beats = 4, .tempo_min = 130, .tempo_max = 170,
     .grooves = "FastBlues FastBluesSus FastBluesWalk FastBluesWalkSus FastBlues1 FastBlues1Sus"},
    {.genre = "blues", .library = "stdlib", .file = "blues128", .beats = 4, .tempo_min = 50, .tempo_max = 75,
     .grooves = "Blues128 Blues128Plus Blues128Sus Blues128SusPlus",
     .note = "12/8 feel written in 4/4 (triplets); slow tempo range on purpose"},
    {.genre = "blues", .library = "stdlib", .file = "blues68", .beats = 6, .tempo_min = 110, .tempo_max = 150,
     .grooves = "Blues68 Blues68Plus Blues68Walk Blues68WalkPlus",
     .note = "6/8 soul-blues (MMA counts six eighth-note beats; tempo is the eighth-note rate)"},
    {.genre = "blues", .library = "stdlib", .file = "countryblues", .beats = 4, .tempo_min = 80, .tempo_max = 120,
     .grooves = "CountryBlues CountryBluesSus CountryBluesWalk CountryBluesWalkSus CountryBlues1 CountryBlues1Sus "
                "CountryBlues1Walk CountryBlues1WalkSus",
     .note = "'country blues' is the acoustic pre-war blues style (Robert Johnson), not country music; blues harmony"},
    {.genre = "blues", .library = "stdlib", .file = "boggiewoggie", .beats = 4, .tempo_min = 110, .tempo_max = 160,
     .grooves = "BoggieWoggie BoggieWoggie1 BoggieWoggie2 BoggieWoggie3 BoggieWoggieSus BoggieWoggie1Sus",
     .note = "boogie-woogie piano is a blues form (12-bar, shuffled left hand)"},
    {.genre = "blues", .library = "stdlib", .file = "shuffleboggie", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "ShuffleBoggie ShuffleBoggie1 ShuffleBoggieSus",
     .note = "shuffle boogie: blues shuffle"},
    {.genre = "blues", .library = "stdlib", .file = "bluefolk", .beats = 4, .tempo_min = 70, .tempo_max = 110,
     .grooves = "BlueFolk BlueFolk2 BlueFolkSus BlueFolk2Sus",
     .note = "folk-blues ('House of the Rising Sun'); arpeggiated guitar and organ, blues progressions"},
    {.genre = "blues", .library = "casio", .file = "blues", .beats = 4, .tempo_min = 80, .tempo_max = 130,
     .grooves = "Blues"},
    {.genre = "blues", .library = "casio", .file = "shuffleboogie", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "ShuffleBoogie",
     .note = "blues shuffle"},
    {.genre = "blues", .library = "zoom", .file = "blues", .beats = 4, .tempo_min = 70, .tempo_max = 130,
     .band = "blues", .grooves = "BLUS01 BLUS02 BLUS03 BLUS05 BLUS06"},
    {.genre = "blues", .library = "zoom", .file = "shuffle", .beats = 4, .tempo_min = 90, .tempo_max = 140,
     .band = "blues", .grooves = "SHFL01 SHFL02 SHFL03 SHFL04 SHFL05",
     .note = "shuffle drum patterns; with the blues band (walking/boogie bass, shuffle guitar, piano) they are blues"},

    // classical: MMA has no orchestral library; these are its arpeggio, waltz, hymn and string grooves with the
    // drums muted and guitars/electric basses turned into harp and bowed strings (band "orchestra").
    {.genre = "classical", .library = "stdlib", .file = "vienesewaltz", .beats = 3, .tempo_min = 150, .tempo_max = 190,
     .band = "orchestra",
     .grooves = "VieneseWaltz VieneseWaltzSus VieneseWaltz1 VieneseWaltz1Sus VieneseWaltz2 VieneseWaltz2Sus"},
    {.genre = "classical", .library = "stdlib", .file = "arpeggio44", .beats = 4, .tempo_min = 60, .tempo_max = 100,
     .band = "orchestra", .grooves = "Arpeggio4 Arpeggio8 Arpeggio48 Arpeggio4Sus Arpeggio8Sus Arpeggio48Sus",
     .note = "piano arpeggios over strings: the closest MMA has to a piano/chamber piece"},
    {.genre = "classical", .library = "stdlib", .file = "arpeggio68", .beats = 6, .tempo_min = 90, .tempo_max = 130,
     .band = "orchestra", .grooves = "Arpeggio68 Arpeggio68-16 Arpeggio68Sus Arpeggio68Sus-16",
     .note = "as arpeggio44, in 6/8 (a barcarolle/nocturne figure)"},
    {.genre = "classical", .library = "stdlib", .file = "arpeggiowaltz", .beats = 3, .tempo_min = 90, .tempo_max = 150,
     .band = "orchestra", .grooves = "ArpeggioWaltz ArpeggioWaltz8 ArpeggioWaltz48 ArpeggioWaltzSus Arpeggiowaltz8Sus",
     .note = "piano waltz figures"},
    {.genre = "classical", .library = "stdlib", .file = "hymn", .beats = 4, .tempo_min = 70, .tempo_max = 100,
     .band = "orchestra", .grooves = "Hymn HymnRoot HymnWalk HymnPlus",
     .note = "church organ and choir chorale: sacred classical"},
    {.genre = "classical", .library = "stdlib", .file = "stringballad", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .band = "orchestra", .grooves = "StringBallad StringBalladVoice StringBalladPlus StringBalladVoicePlus",
     .note = "string ensemble; its guitar becomes a harp"},
    {.genre = "classical", .library = "stdlib", .file = "lullaby", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .band = "orchestra", .grooves = "Lullaby Lullaby1 LullabySus Lullaby1Sus LullabyPlus",
     .note = "gentle strings and arpeggios; guitar becomes harp"},
    {.genre = "classical", .library = "stdlib", .file = "waltz", .beats = 3, .tempo_min = 100, .tempo_max = 150,
     .band = "orchestra", .grooves = "Waltz WaltzSus Waltz1 Waltz1Sus",
     .note = "salon waltz with the drum kit muted"},
    {.genre = "classical", .library = "stdlib", .file = "fastwaltz", .beats = 3, .tempo_min = 150, .tempo_max = 190,
     .band = "orchestra", .grooves = "FastWaltz FastWaltzSus FastWaltzPlus",
     .note = "fast waltz with the drum kit muted"},
    {.genre = "classical", .library = "stdlib", .file = "broadwaywaltz", .beats = 3, .tempo_min = 110, .tempo_max = 160,
     .band = "orchestra", .grooves = "BroadwayWaltz BroadwayWaltz1 BroadwayWaltzSus",
     .note = "light-orchestral waltz (glockenspiel, pizzicato, piccolo); drums muted"},
    {.genre = "classical", .library = "stdlib", .file = "slowbroadway", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .band = "orchestra", .grooves = "SlowBroadway SlowBroadway1 SlowBroadwaySus",
     .note = "light-orchestral (pizzicato strings, flute, glockenspiel); drums muted. Doubtful: show-tune roots"},
    {.genre = "classical", .library = "stdlib", .file = "march", .beats = 4, .tempo_min = 100, .tempo_max = 120,
     .grooves = "March March1 March2",
     .note = "concert/military march (brass, tuba, flute, snare): doubtful, but Sousa-style marches sit in classical "
             "collections; kept with its drums"},
    {.genre = "classical", .library = "casio", .file = "serenade", .beats = 4, .tempo_min = 70, .tempo_max = 100,
     .band = "orchestra", .grooves = "Serenade",
     .note = "harpsichord and strings"},

    // country
    {.genre = "country", .library = "stdlib", .file = "countryswing", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "CountrySwing CountrySwingSus CountrySwing1 CountrySwing1Sus CountrySwing2 CountrySwing2Sus"},
    {.genre = "country", .library = "stdlib", .file = "countrywaltz", .beats = 3, .tempo_min = 90, .tempo_max = 140,
     .grooves = "CountryWaltz CountryWaltzSus CountryWaltz1 CountryWaltz1Sus CountryWaltz2 CountryWaltz2Sus "
                "CountryWaltzWalk"},
    {.genre = "country", .library = "stdlib", .file = "bluegrass", .beats = 4, .tempo_min = 130, .tempo_max = 180,
     .grooves = "BlueGrass BlueGrassClap BlueGrassBottle BlueGrassBottleClap BlueGrassSus"},
    {.genre = "country", .library = "stdlib", .file = "westernswing", .beats = 4, .tempo_min = 120, .tempo_max = 170,
     .grooves = "WesternSwing WesternSwingSus WesternSwingPlus WesternSwingSusPlus"},
    {.genre = "country", .library = "stdlib", .file = "hillcountry", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "HillCountry HillCountryPlus HillCountrySus HillCountrySusPlus"},
    {.genre = "country", .library = "stdlib", .file = "slowcountry", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .grooves = "SlowCountry SlowCountrySus SlowCountryWalk SlowCountryWalkSus SlowCountryPlus"},
    {.genre = "country", .library = "stdlib", .file = "folk", .beats = 4, .tempo_min = 90, .tempo_max = 130,
     .grooves = "Folk FolkWalk FolkArticulated FolkSus",
     .note = "finger-picked acoustic folk; doubtful, but GTZAN's country holds much acoustic folk-country"},
    {.genre = "country", .library = "yamaha", .file = "western", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "WesternMainA WesternMainB",
     .note = "'western' with fiddle"},
    {.genre = "country", .library = "yamaha", .file = "jazzcountry", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .grooves = "JazzCountryMainA JazzCountryMainB",
     .note = "'Old Country 12/8' style despite the file name"},
    {.genre = "country", .library = "kara", .file = "kwestballad", .beats = 4, .tempo_min = 65, .tempo_max = 100,
     .grooves = "kwestballadA kwestballadB kwestballadC kwestballadD",
     .note = "western (country) ballad"},
    {.genre = "country", .library = "zoom", .file = "country", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .band = "country", .grooves = "CNTR01 CNTR02 CNTR03 CNTR04"},
    {.genre = "country", .library = "zoom", .file = "cntry", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .band = "country", .grooves = "CNTRY"},

    // disco
    {.genre = "disco", .library = "stdlib", .file = "boneym", .beats = 4, .tempo_min = 110, .tempo_max = 130,
     .grooves = "BoneyM BoneyMPlus BoneyMSus BoneyMSusPlus",
     .note = "Boney M. disco"},
    {.genre = "disco", .library = "stdlib", .file = "dsoul", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "DSoul DSoulPlus DSoulSus DSoulSusPlus",
     .note = "disco soul"},
    {.genre = "disco", .library = "casio", .file = "discosoul", .beats = 4, .tempo_min = 105, .tempo_max = 125,
     .grooves = "DiscoSoul"},
    {.genre = "disco", .library = "casio", .file = "dance1", .beats = 4, .tempo_min = 115, .tempo_max = 130,
     .grooves = "Dance1",
     .note = "four-on-the-floor 'techno dance'; doubtful (later than disco) but the same pulse and tempo"},
    {.genre = "disco", .library = "casio", .file = "dance2", .beats = 4, .tempo_min = 115, .tempo_max = 130,
     .grooves = "Dance2",
     .note = "as dance1"},
    {.genre = "disco", .library = "casio", .file = "8beatdance", .beats = 4, .tempo_min = 110, .tempo_max = 130,
     .grooves = "8BeatDance"},
    {.genre = "disco", .library = "casio", .file = "dancepop1", .beats = 4, .tempo_min = 110, .tempo_max = 128,
     .grooves = "DancePop1",
     .note = "dance-pop; doubtful (could be pop)"},
    {.genre = "disco", .library = "casio", .file = "dancepop2", .beats = 4, .tempo_min = 110, .tempo_max = 128,
     .grooves = "DancePop2",
     .note = "dance-pop; doubtful (could be pop)"},
    {.genre = "disco", .library = "casio", .file = "house", .beats = 4, .tempo_min = 118, .tempo_max = 128,
     .grooves = "House",
     .note = "house is disco's direct descendant (four-on-the-floor)"},
    {.genre = "disco", .library = "casio", .file = "16beat1", .beats = 4, .tempo_min = 105, .tempo_max = 125,
     .grooves = "16Beat1",
     .note = "'a nice dance beat'; doubtful"},
    {.genre = "disco", .library = "casio", .file = "funk1", .beats = 4, .tempo_min = 100, .tempo_max = 120,
     .grooves = "Funk1",
     .note = "70s funk, disco's neighbour (GTZAN disco has funk)"},
    {.genre = "disco", .library = "zoom", .file = "dance", .beats = 4, .tempo_min = 110, .tempo_max = 130,
     .band = "disco", .grooves = "DANC01 DANC02 DANC03 DANC04 DANC05 DANC06 DANCE"},
    {.genre = "disco", .library = "zoom", .file = "house", .beats = 4, .tempo_min = 115, .tempo_max = 128,
     .band = "disco", .grooves = "HOUS01 HOUS02 HOUS03 HOUS04",
     .note = "house drum patterns with the disco band (octave bass, strings, chicken-scratch guitar)"},
    {.genre = "disco", .library = "kara", .file = "Kfunk1", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "Kfunk1A Kfunk1B Kfunk1C",
     .note = "clean 70s funk with horns, disco's neighbour (GTZAN disco has funk)"},
    {.genre = "disco", .library = "casio", .file = "funk2", .beats = 4, .tempo_min = 100, .tempo_max = 120,
     .grooves = "Funk2",
     .note = "as funk1"},
    {.genre = "disco", .library = "casio", .file = "dancepop3", .beats = 4, .tempo_min = 110, .tempo_max = 128,
     .grooves = "DancePop3",
     .note = "dance-pop; doubtful (could be pop)"},

    // hiphop: MMA is thin here; the zoom drum machine's hip-hop/trip/R&B/funk patterns get a hip-hop band
    // (sub/synth bass, electric piano, pad), and mgc adds boom-bap beats of its own.
    {.genre = "hiphop", .library = "casio", .file = "hip-hop", .beats = 4, .tempo_min = 85, .tempo_max = 100,
     .grooves = "Hip-Hop"},
    {.genre = "hiphop", .library = "casio", .file = "triphop", .beats = 4, .tempo_min = 70, .tempo_max = 95,
     .grooves = "TripHop",
     .note = "trip-hop: hip-hop beats, slower"},
    {.genre = "hiphop", .library = "alexis", .file = "hiphop", .beats = 4, .tempo_min = 85, .tempo_max = 100,
     .grooves = "HipHop HipHopSus HipHopPlus1 HipHopSusPlus1 HipHopPlus2 HipHopSusPlus2 HipHopPlusPlus "
                "HipHopSusPlusPlus"},
    {.genre = "hiphop", .library = "casio", .file = "modernrb", .beats = 4, .tempo_min = 80, .tempo_max = 100,
     .grooves = "ModernR&B",
     .note = "modern R&B: hip-hop drums and tempo; doubtful (could be pop)"},
    {.genre = "hiphop", .library = "casio", .file = "mellowrb", .beats = 4, .tempo_min = 75, .tempo_max = 95,
     .grooves = "MellowRB",
     .note = "mellow R&B groove; doubtful (could be pop)"},
    {.genre = "hiphop", .library = "zoom", .file = "hiphop", .beats = 4, .tempo_min = 80, .tempo_max = 100,
     .band = "hiphop",
     .grooves = "HIP01 HIP02 HIP03 HIP04 HIP05 HIP06 HIP07 HIP08 HIP09 HIP10 HIP11 HIP12 HIP13 HIP14 HIP15 HIP16 "
                "HIP17 HIP18 HIP19 HIP20 HIP21 HIP22 HIP23"},
    {.genre = "hiphop", .library = "zoom", .file = "trip", .beats = 4, .tempo_min = 70, .tempo_max = 95,
     .band = "hiphop", .grooves = "TRIP01 TRIP02 TRIP03 TRIP04",
     .note = "trip-hop drum patterns"},
    {.genre = "hiphop", .library = "zoom", .file = "rnb", .beats = 4, .tempo_min = 75, .tempo_max = 100,
     .band = "hiphop", .grooves = "RnB01 RnB02 RnB03 RnB04 RnB05 RnB06 RnB07 RnB08 RnB09 RnB10",
     .note = "R&B drum patterns under the hip-hop band; doubtful (90s R&B and hip-hop share beats)"},
    {.genre = "hiphop", .library = "zoom", .file = "funk", .beats = 4, .tempo_min = 85, .tempo_max = 100,
     .band = "hiphop",
     .grooves = "FUNK01 FUNK02 FUNK03 FUNK04 FUNK05 FUNK06 FUNK07 FUNK08 FUNK09 FUNK10 FUNK11 FUNK12",
     .note = "funk breakbeats at hip-hop tempo under the hip-hop band: boom-bap was built by looping funk breaks"},
    {.genre = "hiphop", .library = "mgc", .file = "boombap", .beats = 4, .tempo_min = 82, .tempo_max = 98,
     .band = "hiphop", .grooves = "MgcBoomBap1 MgcBoomBap2 MgcBoomBapSwing MgcHalfTime",
     .note = "built in: boom-bap and half-time beats written for this corpus"},

    // jazz
    {.genre = "jazz", .library = "stdlib", .file = "swing", .beats = 4, .tempo_min = 120, .tempo_max = 200,
     .grooves = "Swing SwingWalk SwingTriple SwingPlus SwingSus Swing1 Swing1Walk Swing1Triple Swing2 Swing2Triple"},
    {.genre = "jazz", .library = "stdlib", .file = "bebop", .beats = 4, .tempo_min = 180, .tempo_max = 260,
     .grooves = "Bebop BebopPlus BebopSus BebopSusPlus"},
    {.genre = "jazz", .library = "stdlib", .file = "jazzcombo", .beats = 4, .tempo_min = 130, .tempo_max = 200,
     .grooves = "JazzCombo JazzCombo1 JazzCombo2 JazzComboSus JazzComboPlus JazzCombo1Plus"},
    {.genre = "jazz", .library = "stdlib", .file = "modernjazz", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "ModernJazz ModernJazz1 ModernJazzSus ModernJazz1Sus ModernJazz2 ModernJazz2Sus"},
    {.genre = "jazz", .library = "stdlib", .file = "bigband", .beats = 4, .tempo_min = 130, .tempo_max = 200,
     .grooves = "BigBand BigBandSus BigBandPlus BigBand1 BigBand1Plus BigBand8"},
    {.genre = "jazz", .library = "stdlib", .file = "mellowjazz", .beats = 4, .tempo_min = 90, .tempo_max = 130,
     .grooves = "MellowJazz MellowJazzPlus MellowJazzSus MellowJazzSusPlus"},
    {.genre = "jazz", .library = "stdlib", .file = "nitejazz", .beats = 4, .tempo_min = 80, .tempo_max = 120,
     .grooves = "NiteJazz NiteJazzSus NiteJazzPlus NiteJazzSusPlus"},
    {.genre = "jazz", .library = "stdlib", .file = "slowjazz", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .grooves = "SlowJazz SlowJazzWalk SlowJazz1 SlowJazz1Walk SlowJazz2"},
    {.genre = "jazz", .library = "stdlib", .file = "easyswing", .beats = 4, .tempo_min = 100, .tempo_max = 150,
     .grooves = "EasySwing EasySwingWalk EasySwing1 EasySwing2 EasySwing42"},
    {.genre = "jazz", .library = "stdlib", .file = "fastswing", .beats = 4, .tempo_min = 200, .tempo_max = 260,
     .grooves = "FastSwing FastSwingWalk"},
    {.genre = "jazz", .library = "stdlib", .file = "jazzwaltz", .beats = 3, .tempo_min = 120, .tempo_max = 180,
     .grooves = "JazzWaltz JazzWaltzSus JazzWaltz1 JazzWaltz2"},
    {.genre = "jazz", .library = "stdlib", .file = "jazzguitar", .beats = 4, .tempo_min = 70, .tempo_max = 120,
     .grooves = "JazzGuitar JazzGuitarWalk JazzGuitar1 JazzGuitar2 JazzGuitar3",
     .note = "jazz guitar (and bass) ballad accompaniment"},
    {.genre = "jazz", .library = "stdlib", .file = "evansish", .beats = 4, .tempo_min = 90, .tempo_max = 140,
     .grooves = "Evansish EvansishPlus Evansish1 Evansish1Plus",
     .note = "in the manner of the Bill Evans trio"},
    {.genre = "jazz", .library = "stdlib", .file = "descendingjazz", .beats = 4, .tempo_min = 120, .tempo_max = 170,
     .grooves = "DescendingJazz DescendingJazzPlus DescendingJazzSus"},
    {.genre = "jazz", .library = "stdlib", .file = "dixie", .beats = 4, .tempo_min = 160, .tempo_max = 220,
     .grooves = "Dixie Dixie1 Dixie2 Dixie3 Dixie4 DixieStrum",
     .note = "dixieland (early jazz)"},
    {.genre = "jazz", .library = "stdlib", .file = "gypsyjazz", .beats = 4, .tempo_min = 160, .tempo_max = 220,
     .grooves = "GypsyJazz GypsyJazzFiddle GypsyJazzGuitar",
     .note = "gypsy jazz (Django Reinhardt)"},
    {.genre = "jazz", .library = "yamaha", .file = "jazzswing", .beats = 4, .tempo_min = 120, .tempo_max = 190,
     .grooves = "JazzSwingMainA JazzSwingMainB"},
    {.genre = "jazz", .library = "yamaha", .file = "jazzbasie", .beats = 4, .tempo_min = 120, .tempo_max = 180,
     .grooves = "JazzBasieA JazzBasieB JazzBasieMainC JazzBasieMainD",
     .note = "Count Basie big band"},
    {.genre = "jazz", .library = "yamaha", .file = "jazztrio", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "JazzTrioMainA JazzTrioMainB",
     .note = "Erroll Garner piano trio"},
    {.genre = "jazz", .library = "yamaha", .file = "jazzGrtrio", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "JazzGrTrioMainA JazzGrTrioMainB",
     .note = "jazz guitar trio"},
    {.genre = "jazz", .library = "casio", .file = "jazzcombo", .beats = 4, .tempo_min = 120, .tempo_max = 180,
     .grooves = "JazzCombo"},
    {.genre = "jazz", .library = "casio", .file = "modernjazz", .beats = 4, .tempo_min = 110, .tempo_max = 160,
     .grooves = "ModernJazz"},
    {.genre = "jazz", .library = "casio", .file = "fastbigband", .beats = 4, .tempo_min = 200, .tempo_max = 250,
     .grooves = "FastBigBand"},
    {.genre = "jazz", .library = "casio", .file = "slowswing", .beats = 4, .tempo_min = 70, .tempo_max = 100,
     .grooves = "SlowSwing"},
    {.genre = "jazz", .library = "zoom", .file = "jazz", .beats = 4, .tempo_min = 110, .tempo_max = 200, .band = "jazz",
     .grooves = "JAZZ01 JAZZ02 JAZZ03 JAZZ04 JAZZ05 JAZZ06 JAZZ07"},
    {.genre = "jazz", .library = "zoom", .file = "jazz04", .beats = 4, .tempo_min = 110, .tempo_max = 200,
     .band = "jazz", .grooves = "04JAZZ01 04JAZZ02 04JAZZ03 04JAZZ04"},
    {.genre = "jazz", .library = "stdlib", .file = "modernjazzwaltz", .beats = 3, .tempo_min = 120, .tempo_max = 170,
     .grooves = "ModernJazzWaltz ModernJazzWaltz1 ModernJazzWaltzSus ModernJazzWaltz1Sus ModernJazzWaltz2 "
                "ModernJazzWaltz2Sus"},
    {.genre = "jazz", .library = "stdlib", .file = "charleston", .beats = 4, .tempo_min = 200, .tempo_max = 260,
     .grooves = "Charleston Charleston1 Charleston2 CharlestonWalk",
     .note = "1920s dance-band jazz (piano, banjo-like guitar, tuba)"},
    {.genre = "jazz", .library = "casio", .file = "jazzwaltz", .beats = 3, .tempo_min = 130, .tempo_max = 170,
     .grooves = "JazzWaltz"},
    {.genre = "jazz", .library = "casio", .file = "swing", .beats = 4, .tempo_min = 120, .tempo_max = 180,
     .grooves = "Swing"},
    {.genre = "jazz", .library = "casio", .file = "middlebigband", .beats = 4, .tempo_min = 75, .tempo_max = 100,
     .grooves = "MiddleBigBand",
     .note = "slow big band"},
    {.genre = "jazz", .library = "casio", .file = "slowbigband", .beats = 4, .tempo_min = 65, .tempo_max = 90,
     .grooves = "SlowBigBand",
     .note = "slow big band"},
    {.genre = "jazz", .library = "yamaha", .file = "jazzwaltz", .beats = 3, .tempo_min = 120, .tempo_max = 170,
     .grooves = "JazzWaltzMainA JazzWaltzMainB"},

    // metal: MMA has few metal grooves; zoom's metal/hard-rock/thrash drum patterns and mgc's own beats get the
    // metal band (distorted power chords, palm-muted riffs, picked bass).
    {.genre = "metal", .library = "casio", .file = "heavymetal", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "HeavyMetal"},
    {.genre = "metal", .library = "pflib", .file = "metal1", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "metal1A metal1B"},
    {.genre = "metal", .library = "pflib", .file = "metal2", .beats = 4, .tempo_min = 110, .tempo_max = 170,
     .grooves = "metal2A metal2B"},
    {.genre = "metal", .library = "casio", .file = "digitalrock", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "DigitalRock",
     .note = "'metal-sounding rock beat' (Casio's words)"},
    {.genre = "metal", .library = "zoom", .file = "mtl", .beats = 4, .tempo_min = 110, .tempo_max = 180,
     .band = "metal", .grooves = "MTL01 MTL02 MTL03 MTL04"},
    {.genre = "metal", .library = "zoom", .file = "hrk", .beats = 4, .tempo_min = 110, .tempo_max = 160,
     .band = "metal", .grooves = "HRK01 HRK02 HRK03 HRK04 HRK05 HRK06 HRK07",
     .note = "hard-rock drum patterns under the metal band; doubtful (hard rock vs metal), the band makes it metal"},
    {.genre = "metal", .library = "zoom", .file = "thr", .beats = 4, .tempo_min = 150, .tempo_max = 200,
     .band = "metal", .grooves = "THRS01 THRS02",
     .note = "thrash drum patterns"},
    {.genre = "metal", .library = "mgc", .file = "metal", .beats = 4, .tempo_min = 0, .tempo_max = 0, .band = "metal",
     .grooves = "MgcGallop MgcDoubleKick MgcThrash MgcDoom",
     .note = "built in: gallop, double-kick, thrash (skank) and doom beats written for this corpus; tempo per groove"},

    // pop
    {.genre = "pop", .library = "casio", .file = "pop", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "Pop"},
    {.genre = "pop", .library = "casio", .file = "80spop", .beats = 4, .tempo_min = 110, .tempo_max = 130,
     .grooves = "80sPop"},
    {.genre = "pop", .library = "casio", .file = "8beatpop1", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "8BeatPop1"},
    {.genre = "pop", .library = "casio", .file = "8beatpop2", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "8BeatPop2"},
    {.genre = "pop", .library = "casio", .file = "8beatpop3", .beats = 4, .tempo_min = 105, .tempo_max = 130,
     .grooves = "8BeatPop3"},
    {.genre = "pop", .library = "casio", .file = "60spop", .beats = 4, .tempo_min = 110, .tempo_max = 135,
     .grooves = "60sPop"},
    {.genre = "pop", .library = "casio", .file = "soulpop", .beats = 4, .tempo_min = 95, .tempo_max = 120,
     .grooves = "SoulPop"},
    {.genre = "pop", .library = "casio", .file = "electricpop", .beats = 4, .tempo_min = 105, .tempo_max = 125,
     .grooves = "ElectricPop"},
    {.genre = "pop", .library = "casio", .file = "worldpop", .beats = 4, .tempo_min = 95, .tempo_max = 120,
     .grooves = "WorldPop"},
    {.genre = "pop", .library = "casio", .file = "popballad", .beats = 4, .tempo_min = 65, .tempo_max = 85,
     .grooves = "PopBallad"},
    {.genre = "pop", .library = "casio", .file = "16beatballad3", .beats = 4, .tempo_min = 65, .tempo_max = 85,
     .grooves = "16BeatBallad3",
     .note = "pop ballad with strings"},
    {.genre = "pop", .library = "casio", .file = "8beatballad1", .beats = 4, .tempo_min = 65, .tempo_max = 90,
     .grooves = "8BeatBallad1",
     .note = "strummed pop ballad"},
    {.genre = "pop", .library = "stdlib", .file = "popballad", .beats = 4, .tempo_min = 65, .tempo_max = 90,
     .grooves = "PopBallad PopBallad1 PopBallad2 PopBalladPlus PopBalladSus"},
    {.genre = "pop", .library = "stdlib", .file = "8beat", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "8Beat 8BeatSus 8Beat1 8Beat1Sus 8BeatPlus",
     .note = "generic 8-beat (older pop-rock); doubtful between pop and rock"},
    {.genre = "pop", .library = "stdlib", .file = "bubblerock", .beats = 4, .tempo_min = 110, .tempo_max = 135,
     .grooves = "BubbleRock BubbleRockSus BubbleRockPlus",
     .note = "bubblegum ('Sugar, Sugar'): pop despite the name"},
    {.genre = "pop", .library = "kara", .file = "8beatmotown", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "8beatmotownA 8beatmotownB 8beatmotownC 8beatmotownD",
     .note = "Motown: 60s pop/soul"},
    {.genre = "pop", .library = "pflib", .file = "16beat1", .beats = 4, .tempo_min = 90, .tempo_max = 115,
     .grooves = "16beat1A 16beat1B"},
    {.genre = "pop", .library = "pflib", .file = "16beat2", .beats = 4, .tempo_min = 90, .tempo_max = 115,
     .grooves = "16beat2A 16beat2B"},
    {.genre = "pop", .library = "zoom", .file = "pop", .beats = 4, .tempo_min = 95, .tempo_max = 130, .band = "pop",
     .grooves = "POP01 POP02 POP03 POP04 POP05 POP06 POP07 POP08 POP09 POP10 POP11 POP12"},
    {.genre = "pop", .library = "zoom", .file = "beat8", .beats = 4, .tempo_min = 95, .tempo_max = 125, .band = "pop",
     .grooves = "08Beat01 08Beat02 08Beat03 08Beat04 08Beat05 08Beat06",
     .note = "generic 8-beat drum patterns under the pop band"},
    {.genre = "pop", .library = "zoom", .file = "beat16", .beats = 4, .tempo_min = 85, .tempo_max = 115, .band = "pop",
     .grooves = "16Beat01 16Beat02 16Beat03 16Beat04 16Beat05 16Beat06",
     .note = "generic 16-beat drum patterns under the pop band"},
    {.genre = "pop", .library = "casio", .file = "popshuffle1", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "PopShuffle1",
     .note = "'bubble gum rock' (Casio's words): pop"},
    {.genre = "pop", .library = "casio", .file = "popshuffle2", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "PopShuffle2",
     .note = "a harder pop shuffle"},
    {.genre = "pop", .library = "casio", .file = "8beatballad2", .beats = 4, .tempo_min = 65, .tempo_max = 85,
     .grooves = "8BeatBallad2",
     .note = "pop ballad"},
    {.genre = "pop", .library = "casio", .file = "16beatballad1", .beats = 4, .tempo_min = 65, .tempo_max = 85,
     .grooves = "16BeatBallad1",
     .note = "pop ballad"},
    {.genre = "pop", .library = "casio", .file = "oldieballad", .beats = 4, .tempo_min = 65, .tempo_max = 85,
     .grooves = "OldieBallad",
     .note = "oldies (50s/60s pop) ballad"},
    {.genre = "pop", .library = "casio", .file = "slow16beat", .beats = 4, .tempo_min = 70, .tempo_max = 90,
     .grooves = "Slow16Beat",
     .note = "slow 16-beat with synth strings: pop ballad"},
    {.genre = "pop", .library = "stdlib", .file = "pianoballad", .beats = 4, .tempo_min = 60, .tempo_max = 85,
     .grooves = "PianoBallad PianoBallad1 PianoBallad2 PianoBalladSus PianoBallad1Sus",
     .note = "piano arpeggios with drums and bass ('Nature Boy'): pop ballad"},
    {.genre = "pop", .library = "stdlib", .file = "guitarballad", .beats = 4, .tempo_min = 60, .tempo_max = 90,
     .grooves = "GuitarBallad GuitarBallad1 GuitarBalladSus GuitarBallad1Sus",
     .note = "guitar ballad written for 'Yesterday'"},

    // reggae: MMA has only zoom's reggae/ska drums, stdlib's ska and calypso; mgc adds one-drop, rockers, steppers
    // and dancehall beats, and every drums-only groove gets the reggae band (skank, organ bubble, bass).
    {.genre = "reggae", .library = "zoom", .file = "reggae", .beats = 4, .tempo_min = 65, .tempo_max = 90,
     .band = "reggae", .grooves = "REGG01 REGG02 REGG03 REGG04"},
    {.genre = "reggae", .library = "zoom", .file = "ska", .beats = 4, .tempo_min = 120, .tempo_max = 160,
     .band = "reggae", .grooves = "SKA01 SKA02 SKA03 SKA04",
     .note = "ska, reggae's parent; the band plays off-beat skanks at these tempos"},
    {.genre = "reggae", .library = "stdlib", .file = "ska", .beats = 4, .tempo_min = 120, .tempo_max = 160,
     .grooves = "Ska Ska1 SkaSus Ska1Sus SkaClap",
     .note = "ska, reggae's parent"},
    {.genre = "reggae", .library = "stdlib", .file = "calypso", .beats = 4, .tempo_min = 100, .tempo_max = 125,
     .grooves = "Calypso CalypsoSus Calypso1 Calypso1Sus CalypsoPlus",
     .note = "calypso (Trinidad): doubtful, a Caribbean neighbour of reggae, not reggae; kept for variety"},
    {.genre = "reggae", .library = "mgc", .file = "reggae", .beats = 4, .tempo_min = 0, .tempo_max = 0,
     .band = "reggae", .grooves = "MgcOneDrop MgcOneDropShuffle MgcRockers MgcSteppers MgcDembow",
     .note = "built in: one-drop, rockers, steppers and dancehall (dembow) beats written for this corpus"},

    // rock
    {.genre = "rock", .library = "stdlib", .file = "50srock", .beats = 4, .tempo_min = 140, .tempo_max = 180,
     .grooves = "50sRock 50sRockSus 50sRockPlus 50sRock1 50sRock1Sus 50sRock1Plus"},
    {.genre = "rock", .library = "stdlib", .file = "60srock", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "60sRock 60sRock1 60sRockSus 60sRock1Sus 60sRockPlus"},
    {.genre = "rock", .library = "stdlib", .file = "basicrock", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "BasicRock BasicRockSus BasicRock4 BasicRock4Sus"},
    {.genre = "rock", .library = "stdlib", .file = "rock-128", .beats = 4, .tempo_min = 50, .tempo_max = 75,
     .grooves = "Rock128 Rock128Plain Rock128Sus Rock128Plus",
     .note = "12/8 rock ballad feel written in 4/4"},
    {.genre = "rock", .library = "stdlib", .file = "softrock", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "SoftRock SoftRockSus SoftRock1 SoftRock2"},
    {.genre = "rock", .library = "stdlib", .file = "folkrock", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "FolkRock FolkRockPlus FolkRockSus",
     .note = "60s folk rock"},
    {.genre = "rock", .library = "stdlib", .file = "strut", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "Strut StrutSus Strut2 Strut2Sus",
     .note = "derived from BasicRock ('Stray Cat Strut')"},
    {.genre = "rock", .library = "casio", .file = "rock1", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "Rock1"},
    {.genre = "rock", .library = "casio", .file = "rock2", .beats = 4, .tempo_min = 120, .tempo_max = 160,
     .grooves = "Rock2"},
    {.genre = "rock", .library = "casio", .file = "60srock", .beats = 4, .tempo_min = 110, .tempo_max = 140,
     .grooves = "60sRock"},
    {.genre = "rock", .library = "casio", .file = "shufflerock", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "ShuffleRock"},
    {.genre = "rock", .library = "casio", .file = "poprock1", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "PopRock1",
     .note = "pop-rock; doubtful between pop and rock"},
    {.genre = "rock", .library = "casio", .file = "poprock2", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "PopRock2",
     .note = "pop-rock; doubtful between pop and rock"},
    {.genre = "rock", .library = "casio", .file = "slowrock", .beats = 4, .tempo_min = 60, .tempo_max = 80,
     .grooves = "SlowRock"},
    {.genre = "rock", .library = "pflib", .file = "rock1", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "rock1A rock1B"},
    {.genre = "rock", .library = "pflib", .file = "slowrock", .beats = 4, .tempo_min = 60, .tempo_max = 80,
     .grooves = "slowrockA slowrockB"},
    {.genre = "rock", .library = "pflib", .file = "highfive", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "highfiveA highfiveB",
     .note = "rock with quintuplet drums"},
    {.genre = "rock", .library = "pflib", .file = "8beat1", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "8beat1A 8beat1B",
     .note = "8-beat rock"},
    {.genre = "rock", .library = "pflib", .file = "8beat2", .beats = 4, .tempo_min = 100, .tempo_max = 140,
     .grooves = "8beat2A 8beat2B",
     .note = "8-beat rock"},
    {.genre = "rock", .library = "kara", .file = "K50s_rock", .beats = 4, .tempo_min = 140, .tempo_max = 180,
     .grooves = "50s_RockA 50s_RockB 50s_RockC 50s_RockD"},
    {.genre = "rock", .library = "yamaha", .file = "w-rock", .beats = 4, .tempo_min = 110, .tempo_max = 150,
     .grooves = "W-RockMainA W-RockMainB"},
    {.genre = "rock", .library = "zoom", .file = "rock", .beats = 4, .tempo_min = 100, .tempo_max = 150, .band = "rock",
     .grooves = "ROCK01 ROCK02 ROCK03 ROCK04 ROCK05 ROCK06 ROCK07 ROCK08 ROCK09 ROCK10 ROCK11 ROCK12 ROCK13 ROCK14 "
                "ROCK15 ROCK16 ROCK17 ROCK18 ROCK19 ROCK20"},
    {.genre = "rock", .library = "zoom", .file = "punk", .beats = 4, .tempo_min = 160, .tempo_max = 200, .band = "rock",
     .grooves = "PUNK01 PUNK02",
     .note = "punk rock"},
    {.genre = "rock", .library = "stdlib", .file = "twist", .beats = 4, .tempo_min = 140, .tempo_max = 170,
     .grooves = "Twist Twist4 TwistSus Twist4Sus",
     .note = "the early-60s twist (Chubby Checker): rock and roll"},
    {.genre = "rock", .library = "kara", .file = "twi", .beats = 4, .tempo_min = 140, .tempo_max = 170,
     .grooves = "TwiMainA TwiMainB",
     .note = "twist: rock and roll with sax"},
    {.genre = "rock", .library = "kara", .file = "fasttwist", .beats = 4, .tempo_min = 130, .tempo_max = 150,
     .grooves = "fasttwistA fasttwistB",
     .note = "fast twist with brass: rock and roll"},
    {.genre = "rock", .library = "casio", .file = "8beat1", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "8Beat1",
     .note = "'pop-rock 8beat' (Casio's words); doubtful between pop and rock"},
    {.genre = "rock", .library = "casio", .file = "8beat3", .beats = 4, .tempo_min = 100, .tempo_max = 130,
     .grooves = "8Beat3",
     .note = "as 8beat1, with a synth bass"},

};
// clang-format on

// Tempo ranges of the built-in grooves (their row says 0, 0).
struct BuiltinTempo {
  const char* groove;
  int tempo_min;
  int tempo_max;
};
constexpr BuiltinTempo kBuiltinTempo[] = {
    {.groove = "MgcOneDrop", .tempo_min = 65, .tempo_max = 85},
    {.groove = "MgcOneDropShuffle", .tempo_min = 65, .tempo_max = 85},
    {.groove = "MgcRockers", .tempo_min = 70, .tempo_max = 90},
    {.groove = "MgcSteppers", .tempo_min = 70, .tempo_max = 90},
    {.groove = "MgcDembow", .tempo_min = 88, .tempo_max = 104},
    {.groove = "MgcGallop", .tempo_min = 150, .tempo_max = 190},
    {.groove = "MgcDoubleKick", .tempo_min = 100, .tempo_max = 140},
    {.groove = "MgcThrash", .tempo_min = 170, .tempo_max = 210},
    {.groove = "MgcDoom", .tempo_min = 60, .tempo_max = 80},
};

}  // namespace

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
      for (const GrooveFile& r : kGrooveFiles) {
        if (genre != r.genre) continue;
        for (const std::string& g : detail::split_words(r.grooves)) {
          GrooveEntry e{.genre = r.genre,
                        .library = r.library,
                        .file = r.file,
                        .groove = g,
                        .beats = r.beats,
                        .tempo_min = r.tempo_min,
                        .tempo_max = r.tempo_max,
                        .band = r.band,
                        .note = r.note};
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
  const auto& known = genre_names();
  if (std::find(known.begin(), known.end(), genre) == known.end())
    throw make_error("synth", "unknown genre '{}' (known: {})", genre, fmt::join(known, ", "));
  std::vector<GrooveEntry> out;
  for (const auto& e : groove_table())
    if (e.genre == genre) out.push_back(e);
  return out;
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
    for (const GrooveFile& r : kGrooveFiles) {
      if (g != r.genre) continue;
      std::string tempo = fmt::format("{}-{}", r.tempo_min, r.tempo_max);
      if (r.tempo_min == 0) {
        std::vector<std::string> parts;
        for (const auto& name : detail::split_words(r.grooves))
          for (const auto& bt : kBuiltinTempo)
            if (name == bt.groove) parts.push_back(fmt::format("{}-{}", bt.tempo_min, bt.tempo_max));
        tempo = fmt::format("{}", fmt::join(parts, ", "));
      }
      s += fmt::format("| {}/{} | {} | {} | {} | {} | {} |\n", r.library, r.file,
                       fmt::join(detail::split_words(r.grooves), ", "), r.beats, tempo, *r.band ? r.band : "own",
                       r.note);
    }
    s += "\n";
  }
  return s;
}

}  // namespace mgc::synth
