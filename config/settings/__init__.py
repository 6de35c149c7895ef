"""Django settings for medcode: base, local (default), production and test."""
