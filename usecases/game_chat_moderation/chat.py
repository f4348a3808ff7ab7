"""What players type, for the generator: game calls, banter, replies, and the toxic messages among them.

Written from how match chat in team games reads (calls, "gg wp", tilt after a lost fight), not from
any dataset, and with no real slur in it: the insults are the common ones. Four things in it are
why keyword filters fail, and each is as common in real chat as in this file:

- insult words in harmless use: "my aim is trash today", "this patch is garbage", "noob question";
- slang that carries no listed word: "hardstuck", "dogwater", "touch grass", "L + ratio";
- context: "yeah you are" after "sorry im bad at this" is harassment, "uninstall and reinstall" after
  "my client keeps crashing" is help; the same words, the previous line decides;
- obfuscation of the listed words (generator.py): l33t, s p a c i n g, symbols, stretched letters.
"""

from __future__ import annotations

THINGS = ("mid", "top", "bot", "jungle", "drake", "baron", "tower", "inhib", "river", "base", "b site", "a site")
ROLES = ("healer", "carry", "tank", "support", "sniper", "jungler", "mage", "adc")

CALLS = (
    "push {thing}", "group {thing}", "care {thing}", "ward {thing}", "rotate {thing} now", "{thing} is open",
    "2 coming {thing}", "back off", "b", "omw", "need heal", "flash down", "ult ready", "wait for me",
    "go go go", "dont fight without ult", "their {role} is fed", "focus the {role}", "kill their {role} first",
    "dive the {role}", "i'll kill their {role}", "we can kill {thing} now", "shoot the barrels",
    "their {role} is dead, push", "he's dead, go in", "executed lol", "nice kill", "clean kill on their {role}",
    "im dead, 20s respawn", "dead in 5 sec lol", "they're dead meat", "we got destroyed that fight",
    "bot lane needs help", "gank bot", "bot tower is down", "watch out for the bot", "smoke {thing}",
)
BANTER = (
    "gg wp", "gg", "wp all", "nice shot", "that was sick", "insane play", "ur cracked", "thanks for the heal",
    "lol", "haha", "xD", "nice one", "good try", "we got this", "lets go", "close one", "love this map",
    "ty", "glhf", "one more?", "my bad", "unlucky", "lag again", "ugh", "so close", "np", "wow",
    "my aim is trash today", "i'm trash at this champ sorry", "this patch is trash", "this patch is garbage",
    "the matchmaking is garbage tonight", "that was a dumb play by me", "stupid lag", "noob question but how do wards work",
    "i'm such a noob at this map", "this game is killing me lol", "that boss was killer", "get closer to the point",
    "assist on that kill was mine", "this class is so strong", "the assassin is broken", "skill issue on my part",
)
APOLOGIES = (
    "sorry im new", "sorry first ranked game", "my bad guys", "sorry im bad at this", "sry lagging",
    "sorry i died", "im still learning this champ", "sorry missed that",
)
KIND_REPLIES = ("np", "all good", "dw we got this", "happens to everyone", "you'll get it", "no worries",
                "its fine", "we still win this", "nice try though", "just stay with me")
CRUEL_REPLIES = ("yeah you are", "we noticed", "obviously", "then dont play ranked", "go back to tutorial",
                 "uninstall", "yeah we can tell", "clearly", "stop playing then", "why are you even here")
"""Harassment only in reply to an apology: none of these words is an insult on its own."""
TECH_TROUBLE = ("my game keeps crashing", "fps drops every fight", "client froze again", "my mic is broken",
                "patch wont download", "game stutters since update")
TECH_REPLIES = ("uninstall and reinstall, fixed it for me", "try uninstalling the overlay", "delete the cache folder",
                "verify files in the launcher", "kill the background apps", "same here, restart helped")

INSULTS = ("idiot", "moron", "stupid", "dumb", "trash", "garbage", "loser", "noob", "pathetic", "useless",
           "braindead", "clown", "scrub", "worthless")
"""Insults a maintained blocklist has, and that evaders disguise (generator.py)."""
SLANG = ("dogwater", "hardstuck", "npc", "bot", "boosted", "washed", "bozo", "inting", "griefer", "rat")
"""Newer insults, which lists add months after players start using them."""
NAMES = ("you", "u", "ur {role}", "our {role}", "this {role}", "{player}", "@{player}")
INSULT_TEMPLATES = (
    "{name} {are} {insult}", "{insult} {role}", "{name} {are} so {insult}", "what a {insult}",
    "{insult} team", "{name} {are} literally {insult}", "ff {name} {are} {insult}", "report {name}, {insult}",
    "{insult}", "omg {insult}", "are you {insult}?", "r u {insult}", "imagine being this {insult}",
)
SLANG_TEMPLATES = (
    "{name} {are} {slang}", "{slang} {role} lol", "{name} {are} such a {slang}", "report {player} {slang}",
    "we lost because {name} {are} {slang}", "{player} {slang} again", "L + ratio {player}", "touch grass {player}",
    "go back to bronze", "you're the reason we lose", "uninstall the game {player}", "delete your account",
    "{name} should quit", "nobody wants you here {player}", "get off my team", "1v1 me you {slang}",
)
HARASSMENT = ("kys", "kill yourself", "go die", "jump off a bridge", "your parents must be ashamed",
              "i know where you live", "i'll find you irl", "you're dead irl", "hope your pc explodes",
              "go cry to your mom")
"""Severe: self-harm and threats. The words "kill" and "dead" are everywhere in harmless game calls."""
ARE = ("are", "r", "is", "'re")
