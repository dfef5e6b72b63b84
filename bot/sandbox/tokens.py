"""The sandbox's fixed bot tokens: all a bot needs to know of a sandbox another process runs
(`SANDBOX_URL`), without loading the sandbox itself."""

TELEGRAM_TOKEN = "0:sandbox"
ZALO_TOKEN = "2000000001:zalo-sandbox"
