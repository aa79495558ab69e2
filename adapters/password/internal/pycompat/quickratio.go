package pycompat

// QuickRatio returns difflib.SequenceMatcher(a=a, b=b).quick_ratio() over the code points of a
// and b: 2*M/T, where T is the total number of code points and M counts the code points the two
// have in common, each at most as often as it occurs in both (the multiset intersection). It is
// an upper bound on SequenceMatcher.ratio, and it is what Django's UserAttributeSimilarity
// validator compares with its threshold. Like Python, it returns 1.0 for two empty strings.
func QuickRatio(a, b string) float64 {
	avail := make(map[rune]int, len(b))
	lb := 0
	for _, r := range b {
		avail[r]++
		lb++
	}
	la, matches := 0, 0
	for _, r := range a {
		la++
		if avail[r] > 0 {
			matches++
		}
		avail[r]--
	}
	if la+lb == 0 {
		return 1.0
	}
	return 2.0 * float64(matches) / float64(la+lb)
}
