"""Reviews, product questions and answers, support chat, and the promises they open."""
