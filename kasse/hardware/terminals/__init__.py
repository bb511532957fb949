"""Card terminals: the ZVT protocol (German payment terminals) and the interface the store node drives."""
