// SPDX-License-Identifier: MIT
// text.c - word tokens and deterministic random sentences.

#include <pthread.h>
#include <string.h>

#include "components/text.h"
#include "gale.h"

// Eight bytes at a time where the input has them: a word of a text ends
// within a few of them, and a byte above ' ' (most bytes) is never
// whitespace, which one subtraction tests for all eight at once.
#define TEXT_ONES 0x0101010101010101u
#define TEXT_HIGHS 0x8080808080808080u

bool
gale__token_next(const char *s, size_t len, size_t *pos, const char **tok,
    size_t *toklen)
{
	size_t i = *pos;
	while (i < len && gale__is_space((unsigned char) s[i])) {
		i++;
	}
	if (i == len) {
		*pos = len;
		return false;
	}
	size_t start = i;
	for (;;) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (i + 8 <= len) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			// The lowest set high bit marks the first byte below
			// 0x21 (the bits above it may be wrong, the lowest
			// is not); bytes of 0x80 and above are never marked.
			uint64_t low
			    = (x - TEXT_ONES * 0x21) & ~x & TEXT_HIGHS;
			if (low != 0) {
				i += (size_t) __builtin_ctzll(low) / 8;
				break;
			}
			i += 8;
		}
#endif
		while (i < len && (unsigned char) s[i] > ' ') {
			i++;
		}
		// A control byte below ' ' that is not whitespace belongs to
		// the word.
		if (i == len || gale__is_space((unsigned char) s[i])) {
			break;
		}
		i++;
	}
	*tok    = s + start;
	*toklen = i - start;
	*pos    = i;
	return true;
}

// Common English words, most common first, none longer than eight bytes.
static const char *const text_vocabulary[] = {
	"the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he",
	"was", "for", "on", "are", "with", "as", "I", "his", "they", "be",
	"at", "one", "have", "this", "from", "or", "had", "by", "not", "word",
	"but", "what", "some", "we", "can", "out", "other", "were", "all",
	"there", "when", "up", "use", "your", "how", "said", "an", "each",
	"she", "which", "do", "their", "time", "if", "will", "way", "about",
	"many", "then", "them", "write", "would", "like", "so", "these",
	"her", "long", "make", "thing", "see", "him", "two", "has", "look",
	"more", "day", "could", "go", "come", "did", "number", "sound", "no",
	"most", "people", "my", "over", "know", "water", "than", "call",
	"first", "who", "may", "down", "side", "been", "now", "find", "any",
	"new", "work", "part", "take", "get", "place", "made", "live",
	"where", "after", "back", "little", "only", "round", "man", "year",
	"came", "show", "every", "good", "me", "give", "our", "under", "name",
	"very", "through", "just", "form", "sentence", "great", "think",
	"say", "help", "low", "line", "differ", "turn", "cause", "much",
	"mean", "before", "move", "right", "boy", "old", "too", "same",
	"tell", "does", "set", "three", "want", "air", "well", "also", "play",
	"small", "end", "put", "home", "read", "hand", "port", "large",
	"spell", "add", "even", "land", "here", "must", "big", "high", "such",
	"follow", "act", "why", "ask", "men", "change", "went", "light",
	"kind", "off", "need", "house", "picture", "try", "us", "again",
	"animal", "point", "mother", "world", "near", "build", "self",
	"earth", "father", "head", "stand", "own", "page", "should",
	"country", "found", "answer", "school", "grow", "study", "still",
	"learn", "plant", "cover", "food", "sun", "four", "between", "state",
	"keep", "eye", "never", "last", "let", "thought", "city", "tree",
	"cross", "farm", "hard", "start", "might", "story", "saw", "far",
	"sea", "draw", "left", "late", "run", "while", "press", "close",
	"night", "real", "life", "few", "north", "open", "seem", "together",
	"next", "white", "children", "begin", "got", "walk", "example",
	"ease", "paper", "group", "always", "music", "those", "both", "mark",
	"often", "letter", "until", "mile", "river", "car", "feet", "care",
	"second", "book", "carry", "took", "science", "eat", "room", "friend",
	"began", "idea", "fish", "mountain", "stop", "once", "base", "hear",
	"horse", "cut", "sure", "watch", "color", "face", "wood", "main",
	"enough", "plain", "girl", "usual", "young", "ready", "above", "ever",
	"red", "list", "though", "feel", "talk", "bird", "soon", "body",
	"dog", "family", "direct", "pose", "leave", "song", "measure", "door",
	"product", "black", "short", "numeral", "class", "wind", "question",
	"happen", "complete", "ship", "area", "half", "rock", "order", "fire",
	"south", "problem", "piece", "told", "knew", "pass", "since", "top",
	"whole", "king", "space", "heard", "best", "hour", "better", "true",
	"during", "hundred", "five", "remember", "step", "early", "hold",
	"west", "ground", "interest", "reach", "fast", "verb", "sing",
	"listen", "six", "table", "travel", "less", "morning", "ten",
	"simple", "several", "vowel", "toward", "war", "lay", "against",
	"pattern", "slow", "center", "love", "person", "money", "serve",
	"appear", "road", "map", "rain", "rule", "govern", "pull", "cold",
	"notice", "voice", "unit", "power", "town", "fine", "certain", "fly",
	"fall", "lead", "cry", "dark", "machine", "note", "wait", "plan",
	"figure", "star", "box", "noun", "field", "rest", "correct", "able",
	"pound", "done", "beauty", "drive", "stood", "contain", "front",
	"teach", "week", "final", "gave", "green", "oh", "quick", "develop",
	"ocean", "warm", "free", "minute", "strong", "special", "mind",
	"behind", "clear", "tail", "produce", "fact", "street", "inch",
	"multiply", "nothing", "course", "stay", "wheel", "full", "force",
	"blue", "object", "decide", "surface", "deep", "moon", "island",
	"foot", "system", "busy", "test", "record", "boat", "common", "gold",
	"possible", "plane", "stead", "dry", "wonder", "laugh", "thousand",
	"ago", "ran", "check", "game", "shape", "equate", "hot", "miss",
	"brought", "heat", "snow", "tire", "bring", "yes", "distant", "fill",
	"east", "paint", "language", "among",
};

#define TEXT_NWORDS (sizeof(text_vocabulary) / sizeof(text_vocabulary[0]))
#define TEXT_WORD_MAX 8
#define TEXT_MIN_WORDS 8
#define TEXT_MAX_WORDS 12

_Static_assert(TEXT_MAX_WORDS * (TEXT_WORD_MAX + 1) <= GALE_SENTENCE_MAX,
    "a sentence of the longest words must fit GALE_SENTENCE_MAX");

// The cumulative weights of the words, in integers so that every machine
// draws the same words: the word of rank k weighs floor(2^24 / (k + 1)).
static uint32_t       text_cdf[TEXT_NWORDS];
static size_t         text_len[TEXT_NWORDS];
static pthread_once_t text_once = PTHREAD_ONCE_INIT;
// What gale_random_u64 adds to its state per draw: the state one draw after
// 0, learned from the generator so that its value is written in one place.
static uint64_t text_step;

static void
text_init(void)
{
	uint32_t sum = 0;
	for (size_t k = 0; k < TEXT_NWORDS; k++) {
		sum += (uint32_t) ((1u << 24) / (k + 1));
		text_cdf[k] = sum;
		text_len[k] = strlen(text_vocabulary[k]);
	}
	uint64_t state = 0;
	(void) gale_random_u64(&state);
	text_step = state;
}

// splitmix64's finalizer, a bijection of 64-bit values that mixes well:
// the generator's draw from the state one step before z.
static uint64_t
text_mix(uint64_t z)
{
	uint64_t state = z - text_step;
	return gale_random_u64(&state);
}

// The rank of the first word whose cumulative weight exceeds u.
static size_t
text_pick(uint32_t u)
{
	size_t lo = 0, hi = TEXT_NWORDS - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (text_cdf[mid] > u) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

size_t
gale__random_sentence(uint64_t seed, uint64_t i, char *buf, size_t cap)
{
	pthread_once(&text_once, text_init);
	// For one seed, distinct indices give distinct states: text_mix is
	// a bijection.
	uint64_t state = text_mix(text_mix(seed + 0x632be59bd9b4e019u) ^ i);
	uint32_t total = text_cdf[TEXT_NWORDS - 1];
	size_t   nwords = TEXT_MIN_WORDS
	    + gale_random_u64(&state) % (TEXT_MAX_WORDS - TEXT_MIN_WORDS + 1);
	size_t len = 0;
	for (size_t w = 0; w < nwords; w++) {
		// The high 32 bits scaled to [0, total), without a modulo.
		uint64_t r = gale_random_u64(&state) >> 32;
		size_t   k = text_pick((uint32_t) ((r * total) >> 32));
		if (w > 0) {
			if (len + 1 < cap) {
				buf[len] = ' ';
			}
			len++;
		}
		for (size_t j = 0; j < text_len[k]; j++, len++) {
			if (len + 1 < cap) {
				buf[len] = text_vocabulary[k][j];
			}
		}
	}
	if (cap > 0) {
		buf[len < cap ? len : cap - 1] = '\0';
	}
	return len;
}

const char *const *
gale__sentence_vocabulary(size_t *n)
{
	*n = TEXT_NWORDS;
	return text_vocabulary;
}
