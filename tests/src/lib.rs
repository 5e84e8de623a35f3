//! Cross-language tests: see tests/.
