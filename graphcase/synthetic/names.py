"""Name lists for the synthetic county (UK-like), nicknames, and a Soundex code for near-duplicate checks.

The surname list is chosen so that few names share a Soundex code; the generator keeps
(date of birth, Soundex of surname) unique across unrelated background people, so that no two different
people look like "the same person twice" by accident.
"""

from __future__ import annotations

from functools import lru_cache

FEMALE = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy "
    "Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper Matilda Ruby Emilia Maya "
    "Millie Isabelle Eva Chloe Layla Aria Esme Imogen Hannah Jessica Holly Amber Megan Lauren Zara Aisha "
    "Fatima Amira Priya Kerry Sarah Emma Claire Rachel Nicola Louise Joanne Helen Karen Susan Julie Lisa "
    "Michelle Donna Tracey Elizabeth Margaret Katherine Victoria Rebecca Jennifer Patricia Deborah"
).split()
MALE = (
    "Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo "
    "Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward James "
    "Joshua Albie Elijah Max Mohammed Reggie Ethan Adam Harrison Hugo Ryan Jamie Aaron Kai Zain Omar "
    "Daniel David Michael Paul Mark Andrew Steven Richard Christopher Matthew Robert Peter Anthony "
    "Jonathan Benjamin Samuel Nathan Dean Craig Gary Wayne Lee Darren Stuart Kevin Ian Neil Martin"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
    "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
    "Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman "
    "Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight "
    "Lloyd Butler Russell Barker Fisher Stevens Jenkins Dixon Fletcher Howard Gibson Ellison Okafor Nowak "
    "Kowalski Ahmed Rahman Mahmood Akhtar Chowdhury Mensah Osei Adeyemi Nguyen Chen Wong Kaur Gill Sharma "
    "Doyle Quinn Byrne Walsh Kennedy Reid Fraser Burns Hamilton Graham Sutherland Duncan Pearce Hudson "
    "Lawrence Vaughan Ingram Norris Sykes Yates Booth Jarvis Slater Lowe Bradley Hayes Kemp Frost Gordon "
    "Pritchard Rowe Francis Saunders Atkinson Lamb Buckley Fuller Dawson Tucker Fowler Barlow Sheppard"
).split()
# Common English nicknames (record variation: the same person under a short name in another agency).
NICKNAMES = {
    "Elizabeth": "Liz", "Margaret": "Maggie", "Katherine": "Kate", "Victoria": "Vicky", "Rebecca": "Becky",
    "Jennifer": "Jenny", "Patricia": "Pat", "Deborah": "Debbie", "Nicola": "Nicky", "Susan": "Sue",
    "Jonathan": "Jon", "Benjamin": "Ben", "Samuel": "Sam", "Nathan": "Nate", "Christopher": "Chris",
    "Matthew": "Matt", "Robert": "Bob", "Richard": "Rick", "Anthony": "Tony", "Michael": "Mike",
    "Daniel": "Danny", "David": "Dave", "William": "Bill", "Alexander": "Alex", "Thomas": "Tom",
    "Joshua": "Josh", "Steven": "Steve", "Andrew": "Andy", "Edward": "Ed", "James": "Jim",
}
PLACES = (
    "Riverside Oakfield Millbrook Ashgrove Hillcrest Brookside Elmwood Fairview Greenbank Kingsway Lakeside "
    "Meadowbank Northgate Parkside Queensway Redhill Southfield Westmoor Woodlands Abbeyfield Beechwood "
    "Castlegate Dalesford Eastbrook Foxhill Gorsey Hawthorn Ivybridge Juniper Larkfield Moorside Newlands "
    "Orchard Pinewood Ravenscroft Sandhurst Thornbury Underhill Valley Whitecross Yewtree"
).split()

_SOUNDEX = {c: str(d) for d, letters in enumerate(("AEIOUYHW", "BFPV", "CGJKQSXZ", "DT", "L", "MN", "R")) for c in letters}


@lru_cache(maxsize=65536)
def soundex(name: str | None) -> str:
    """American Soundex ('Smith' and 'Smyth' -> 'S530'); '' for an empty name."""
    letters = [c for c in (name or "").upper() if c.isalpha()]
    if not letters:
        return ""
    out, last = [letters[0]], _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        code = _SOUNDEX.get(c, "")
        if code and code != "0" and code != last:
            out.append(code)
        if c not in "HW":
            last = code
    return ("".join(out) + "000")[:4]
