package sdk

// FullSpec is fullSpec for the external tests.
var FullSpec = fullSpec
