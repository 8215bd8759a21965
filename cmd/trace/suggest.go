package main

// closest returns the name among names that a mistyped word most likely
// meant: the nearest by edit distance, if it is at most two edits away
// and the word is not mostly edits, or one the word begins. It returns ""
// when none is that close.
func closest(word string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		d := editDistance(word, n)
		if len(word) >= 3 && len(n) > len(word) && n[:len(word)] == word {
			d = min(d, 1) // an abbreviation
		}
		if d < bestD && 2*d < max(len(word), len(n)) {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// in bytes: Levenshtein's insertions, deletions and substitutions, and a
// swap of two neighbouring bytes counted as one edit, the commonest typo
// ("-fsp" is one edit from "-fps", not two).
func editDistance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev2, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		rows = [3][]int{prev, cur, prev2}
	}
	return rows[1][len(b)]
}

// didYouMean returns "did you mean NAME? " for the name that word most
// likely meant, or "".
func didYouMean(word string, names ...string) string {
	if near := closest(word, names); near != "" {
		return "did you mean " + near + "? "
	}
	return ""
}
