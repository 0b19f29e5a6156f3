"""Real-time: typed events, the bus that carries them after commit."""
