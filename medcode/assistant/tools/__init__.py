"""The assistant's tools: typed calls over the services the pages use, each returning facts with citations."""
