package dtmdriver

// SplitScan is split with the 8-byte scan (fast) or without it, for the tests
// that compare them on the dtmdrivertest corpora.
var SplitScan = splitScan
