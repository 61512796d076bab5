"""Tests for the crisis detector: danger phrases trigger, idioms and ordinary conflict don't."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advice_search.safety import (
    CATEGORIES,
    HELP_ELSEWHERE,
    HELP_HEADLINE,
    HELP_RESOURCES,
    RULES,
    CrisisAssessment,
    Rule,
    assess,
    is_crisis,
    rules_matching,
)
from advice_search.safety_rules import load_rules

POSITIVES = [
    # self-harm and suicide
    "I want to kill myself",
    "i wanna kil myself",
    "I don't want to be alive anymore",
    "I want to end my life",
    "thinking about ending it all",
    "I've been cutting myself again",
    "what's the point of living",
    "I took a bunch of pills",
    "SUICIDAL thoughts every night since he said no to therapy",
    "i keep thinking about sucide",
    "Everyone would be better off without me",
    "I don't think I'll be around long enough for it to matter. I've started giving my stuff away.",
    "honestly i wont be here much longer so what does counseling matter",
    "I gave away all my things last week",
    "I've been writing goodbye letters to my kids",
    "I just wanna die",
    "i want 2 die",
    "I wish I was dead",
    "I can't stop thinking about taking my own life",
    "I hurt myself on purpose last night",
    "I’m going to overdose",
    "Sometimes I think it'd be easier if I wasn't here",
    "I don’t want to live.",
    "He threatens to kill himself whenever I mention divorce",
    "she told me she'd hurt herself if I leave",
    "I want to go to sleep and never wake up",
    "I'm thinking about driving my car into a tree",
    "life isn't worth living anymore",
    # violence
    "he hits me when I bring up therapy",
    "she threatened to kill me",
    "he choked me",
    "he said he'd hurt the kids",
    "he pushed me down the stairs",
    "she hit me again",
    "MY HUSBAND HIT ME.",
    "he's been hitting me for a year",
    "He has hit me before",
    "he beats me",
    "My partner beat me up last night",
    "My wife slapped me in front of the kids",
    "he grabbed me by the throat",
    "my boyfriend punched me",
    "He threw a plate at me",
    "I'm afraid he'll kill me if I leave",
    "he held a knife to my throat",
    "he strangled me last night",
    "He kicked me in the stomach",
    "He pinned me against the wall",
    "he says he will kill me if I go to therapy",
    "I got hit by my husband",
    "He tried to strangle me",
    "He’s threatening to hurt me",
    "my husband has been physically abusive",
    "I'm scared he might hurt the kids",
    "he hurts me when he drinks",
    "he chocked me until I couldn't breathe",
    "He punched a hole in the wall next to my head",
    "he threatened me with a gun",
    # abuse
    "my husband forces me to have sex",
    "He made me have sex when I said no",
    "my husband raped me",
    "he is abusive but refuses counseling",
    "he smashed my phone so I couldn't call anyone",
    "He won't let me leave the house",
    # feeling unsafe
    "I'm scared to go home",
    "I don't feel safe at home",
    "I'm terrified of him",
    "I'm in danger",
    "I have a restraining order against him",
    "should I call the police?",
    "I fear for my life",
    "I've shoved her a couple of times when I lose my temper. Do we need counseling?",
    "when I get angry I push him and I hate myself for it",
    "I hit my husband last night and he wants us to see someone",
    "She reads my messages and decides which friends I can see",
    "my husband won't let me see my parents unless he comes too",
    "he threatened to out me to my family if I leave",
    "My wife cleans her gun at the table whenever I bring up counseling",
    "and she's started smacking our 6 yr old when she loses it",
    "he slapped my 4 year old for spilling juice",
    "my boyfriend hid my inhaler after the argument",
    "he threatened to post our sex tape if I leave",
    "she says she'll send my nudes to my boss",
    "I found out he'd been poking holes in my birth control",
    "she keeps my passport so that I can't leave the country",
    "I sat in my car in the garage with the engine running last night",
    "she won't let me sleep until I agree with her",
    "he kept me up all night until I apologised",
    "he burned my letters and said next time it won't be paper",
    "honestly i think they'd all cope better without me",
    "honestly I feel safer at work than at home these days",
    "she hides my hearing aids so I can't follow what anyone says",
    "he kicked me out on the side of the motorway and drove off",
    "my bf says if i loved him id sleep with his buddy so he doesnt owe him anymore",
    "she threw the plate at the wall and told me next time it'll be my head",
    "she threatened to put me in a psych ward if I told anyone",
    "my husband keeps saying he'll get me sectioned and then I'll lose the kids",
    "he posted our address online and said I was looking for company",
    "turns out my ex made a fake hinge account with my pics and my home address",
    "my husband squeezed my throat when I said I wanted counselling",
    "she pressed her forearm against my neck and told me to shut up",
    "my boyfriend banged my face against the car window when I tried to get out",
    "she flung a glass that missed my head by an inch",
    "he says he'll end me if I tell his mum what happened",
    "my husband hauled me across the floor by my arm",
    "my stepmum beats me with a wooden spoon when I talk back",
    "he pressed her hand onto the stove because she touched his phone",
    "my boyfriend kicked my cat across the kitchen when I was late",
    "gave my bike to my brother. won't be needing any of it where I'm going",
    "she keeps saying she'll hang herself if I leave",
    "he took away my hormones for a week after our fight",
    "my husband threatens to report my parents to immigration, he says he'll call ICE on them",
    "some days i drive home hoping i get hit by a truck",
    "I keep hoping I don't make it home tonight",
    "he ground his cig into my left thigh",
    "my husband burned my hand with a lighter to teach me a lesson",
    "im nine months sober and he poured vodka in my coffee to see if I'd notice",
    "i relapsed last night, been clean since march and picked up a blade again",
    "she's been carving words into her arm? no - I have, I keep carving lines into my wrist after fights",
    "I pressed a hot spoon against my thigh last night because I couldn't stop crying",
    "my husband threatened that he'd jump off the bridge if I go to my sister's",
    "she said she'd jump if I left her, and she went and stood by the window",
    "I checked whether the banister will hold my weight",
    "I grabbed my wife and shook her so hard she fell against the radiator",
    "he slammed her head into the kitchen cabinet in front of me",
    "my girlfriend threw a glass at my face last weekend",
    "she threw her phone at my husband's head",
    "he digs his nails into my wrists when we argue, there are marks now",
    "my stepdad held my brother's hand in boiling water until he screamed",
    "my mum dragged me down the stairs by my hair",
    "my partner locks our son in the cellar all night when he wets the bed",
    "his cousins said they would break my legs if I didn't marry him",
    "she cut up my dress and said she'd do the same to my face",
    "he punched the tv and told me my face would be next",
    "someone left a dead pigeon on my car with my name on it, I think it's my ex",
    "when I said I wanted to leave he aimed the car at a tree and laughed",
    "he speeds up on the motorway and won't slow down until I've apologised",
    "my wife has sex with me when I'm passed out drunk",
    "my husband keeps my passport and visa locked up in his office",
    "she put a camera in our bathroom without telling me",
    "he found a camera hidden in the smoke detector of our bedroom",
    "turns out all my texts were being forwarded to his laptop",
    "hes threatening to send my old photos with my deadname to my whole family",
    "she hides my stoma bags when she's angry",
    "he says if I leave he'll take the kids to his mother's in Lagos and I'll never see them again",
    "he keeps me up until I confess, not letting me lie down till I say I cheated",
    "he handcuffed my ankles together overnight after I said I was leaving",
    "he knows about my peanut allergy and cooked with peanut oil on purpose",
    "my inhaler went missing during the fight and I found it hidden in her drawer",
    "he threatened to text my whole family that I'm HIV positive unless I stay",
    # general forms of fresh12's and blind6's misses, in other voices (rules12)
    "my wife reversed her car into me in the drive after I said I wanted a divorce",
    "bf swerved n clipped my leg wiv his car, said he didnt see me, 3rd time this month",
    "My husband knocked me down with his car in the parking and said it was a mistake",
    "he hit me with his ute on purpose when I tried to leave",
    "my boyfriend accelerated at me and hit my knee in the car park",
    "he held my wrists down on the bed while i was crying",
    "my wife pinned my arms down and wouldnt let me up",
    "bf holds my hands down when we argue so i cant leave",
    "Husband held my legs down while his brother took the phone from me",
    "my girlfriend held my head down in the bath",
    "Ive stopped my blood pressure tablets without telling anyone. whatever happens happens",
    "stopped my insulin 3 days back, not telling anybody",
    "I have quietly stopped my lithium and I dont care what happens now",
    "Havent been taking my epilepsy meds on purpose since he left",
    "i skipped my heart pills all week hoping something happens",
    "my wife said if i keep seeing my therapist she'll make her pay",
    "he went after my counsellor in the car park and threatened her",
    "bf keeps threatening my support worker, says she better stay out of it or else",
    "Husband is telling he will deal with my counsellor madam if I go again",
    "my girlfriend scared off my sponsor and told me to stop going to meetings",
    "chose the date already, after my sons wedding so it doesnt spoil his day",
    "have decided I will go on the 21st, my husbands birthday. God forgive me",
    "after graduation ill be gone for good, nobody will even notice",
    "saved up all my sleeping tablets in a tin",
    "Ive sorted my will and written notes for each of my kids, so theyll be ok",
    "I keep hearing my neighbour hitting his wife through the wall",
    "saw my mate's dad slapping her in the car outside school",
    "my bro's gf has thumb marks on her throat and says she fell",
    "heard her screaming at him to stop last night and then a crash",
    "I watched him strangling her at the bbq and nobody did anything",
    "my niece says her uncle comes into her room when everyones asleep and its their secret",
    "my cousin said her stepfather gets into her bed at night and told her not to tell her mum",
    "mums boyfriend creeps into my room at night and says its our secret",
    "he locked me outside in my pyjamas when it was snowing",
    "wife made me stay in the car all night without a coat, it was freezing",
    "my husband puts me out on the balcony in my nightie as punishment",
    "bf kicks me out in the snow when im late home",
    "hubby left me at the petrol station at midnight with no phone and drove off",
    "she ditched me at a rest stop 80 miles from home after a row",
    "he dumped me in the middle of nowhere at night with no money",
    "my mother in law and husband beat me for more dowry",
    "Saas slaps me daily and nanad kicks me",
    "inlaws hit me over dowry, what to do",
    "In-laws are harassing me for dowry and husband is also beating",
    "my husband recorded us in bed without my consent and says he'll send it to my dad if I leave",
    "She videoed me in the shower without me knowing and says she will post it if i dump her",
    "my gf does stuff to me when im passed out drunk and laughs about it after",
    "husband does whatever he wants with me while I'm sedated after surgery",
    "she said if she goes she'll take the kids with her, and I know she meant dying",
    "he keeps saying he wont leave us behind to suffer, and he's bought a gun",
    "my husband says well all go together, and he checks the rifle every night",
    "my carer husband tipped me out of my power chair and left me on the floor for hours",
    "bf pulls me off my walker when im slow",
    "she leaves me lying on the floor all night after I fall",
    "I smash my head against the wall until I bleed when he yells",
    "keep banging my head on the floor til it bruises after our rows",
    "i hit my head off the door over and over when we fight, needed stitches once",
    "she held the hot iron against my back while I was asleep",
    "Husband put burning spoon on my hand for answering back",
    "he poured boiling water over my feet during the fight",
    "my boyfriend pressed the hair straighteners to my neck",
    "he put his cig out on the back of my neck",
    "I threw a mug at my husband's face and he needed stitches",
    "she flung a bottle at my head",
    "he hurls anything within reach when hes drunk",
    "my wife threw her mug and it caught me on the forehead",
    "my wife gave me a hard shove down the stairs",
    "he gave me a push off the balcony, only the first floor but still",
    "he takes his belt to me when I disobey",
    "husband beats my back with a cane as discipline",
    "she hid my chemo tablets until I said sorry",
    "hubby took away my seizure pills after the row",
    "he yanked me out of bed by my hair",
    "the missus pushed me down the stairs",
    "he said he would klap me if I didn't sign",
]

NEGATIVES = [
    # idioms and ordinary conflict
    "this argument is killing me",
    "we fight about money",
    "I could kill for a vacation",
    "my partner is dying to try that restaurant",
    "he beat me at chess",
    "the silence is killing our relationship",
    "we hit a wall with therapy",
    "she's a knockout",
    "therapy is a shot in the dark",
    "I'm dead tired of arguing",
    "he pushes my buttons",
    "she threatened to leave if I don't stop nagging",
    "how do I get my husband to try counseling",
    "our sex life is dead",
    "I'm hurt that he won't go",
    "he hurt my feelings",
    "It hit me that he is never going to change",
    "hit me up if you know a good therapist",
    "he beat me to it",
    "I beat myself up about it",
    "it kills me that he won't go",
    "it would kill me to lose her",
    "that's going to kill me, honestly",
    "she shot me a look when I mentioned counseling",
    "he shot down the idea of therapy",
    "I'm afraid he won't agree to therapy",
    "I'm scared of losing him",
    "I'm afraid of him leaving me",
    "our marriage is in danger of falling apart",
    "the therapist pushed me to open up",
    "he pushed me away emotionally",
    "my wife pushed me into couples counseling",
    "he pushed me to go to therapy",
    "I started cutting carbs to lose weight",
    "we've been cutting costs since he lost his job",
    "I'm cutting back on drinking",
    "she keeps pushing me about the bills",
    "she slapped me with divorce papers",
    "he has a substance abuse problem",
    "I got choked up in our first session",
    "it chokes me up to talk about it",
    "she stabbed me in the back by telling her mom",
    "he'd rather die than see a therapist",
    "he would never hurt me, but he refuses counseling",
    "when he told me, it hit me hard",
    "he hit the roof when I suggested therapy",
    "she threw me a surprise party",
    "what's the point of therapy if he won't go",
    "I don't want to die alone",
    "I'd kill to have one calm weekend",
    "we're killing time before the appointment",
    "she kicked me out of the group chat",
    "my ex is killing it at work",
    "she hurts me emotionally",
    "he hurt me deeply by refusing",
    "she hit me with the news that she won't go",
    "he told me therapy would kill our marriage",
    "I'd die for my kids",
    "that job burned me out",
    "therapy saved my life",
    "I won't be around this weekend, can we talk after?",
    "I'll be around if he wants to talk",
    "I'm giving my stuff away before we move abroad",
    "we're giving away my old clothes to charity",
    "my ex was giving my things away without asking",
    "he wrote me a goodbye note and moved in with his brother",
    # neutral and odd input
    "",
    "   \n\t  ",
    "😢💔🙏",
    "How do I convince my wife to see a marriage counselor?",
    "Mi esposo no quiere ir a terapia de pareja",
    "Mein Mann will keine Paartherapie machen",
    "夫はカウンセリングに行きたがらない",
    "Мой муж отказывается от терапии",
    "<div class=\"kill\"><script>alert('hit')</script></div>",
    "SELECT * FROM users WHERE name = 'me'; DROP TABLE hits;--",
    "I pushed him to try counseling and he refused",
    "I pushed her away after the miscarriage, can therapy fix that?",
    "I kicked him out last week and now he wants couples counseling",
    "I beat her at chess and she sulked for a day",
    "I hit him with the news that I want a divorce",
    "I hit him up about therapy but he never answered",
    "I've been pushing him for months to see someone",
    "I would never hit her, but we scream at each other",
    "My husband cleans his gun every Sunday before hunting season",
    "I want to tell my parents I'm gay but I'm scared of how they'll react",
    "we decide together which friends we see at the weekend",
    "my wife doesn't let me see her journal, is that normal?",
    "he says I can see my friends whenever I want, so why do I feel guilty?",
    "my husband picks up my meds on his way home",
    "she reminds me to take my pills every morning",
    "he hides my birthday presents in the garage",
    "should I share my intimate photos with my boyfriend?",
    "he posted our holiday photos without asking",
    "our 6 yr old keeps asking why we fight",
    "my wife wants to share our private struggles with her sister",
    "should I stop my birth control before we start counseling?",
    "he keeps my passport in the safe with his",
    "we sat in the car in the garage talking for an hour",
    "I warmed up the car in the garage with the engine running",
    # near the rules added in lead session 5
    "I keep thinking about jumping ship to a new job",
    "he cut himself shaving and blamed me for rushing him",
    "things got physical on our second date, in a good way",
    "I'm terrified a therapist would have to report me to immigration",
    "I'm afraid of what she'll say when she finds out",
    "he restrains himself from commenting on my family",
    "we sleep with the door locked so the kids don't walk in",
    "our puppy follows me everywhere",
    "I put an airtag on my luggage",
    "I'm saving up my vacation days for the honeymoon",
    "she nearly burned the house down making toast",
    "he ran me over with questions about the budget",
    "he shakes the baby bottle to mix the formula",
    "we leave the baby alone in her crib to self-soothe",
    "I'm afraid I'll hurt her feelings if I say no",
    "some days I want to disappear into a good book",
    "she sends me memes all day",
    "he won't take no for an answer about the boat",
    # near the rules added after fresh6
    "he puts honey in my tea when I'm sick",
    "we keep the pantry locked because of the toddler",
    "I can't imagine hurting her, I just want us to stop fighting",
    "I never told him where I was going, it was a surprise party",
    "I'd only go if I've done everything the therapist asks beforehand",
    # near the rules added from the tune half of eval/crisis/blind.jsonl
    "my husband says he'll kill me if I spoil the finale lol",
    "my mom will strangle us both if we skip her birthday",
    "we'd be better off with a bigger life insurance policy",
    "this is my last post about my ex, promise",
    "the strap left marks on my wrists from my watch",
    "she's poisoning the kids against me",
    "our dietitian decides how much I eat before the surgery",
    "my wife blocked my mom after the fight at dinner",
    "I keep receipts for every purchase for our taxes",
    "our company might withdraw the visa sponsorship",
    "I found a tracker app for my lost keys",
    "I punch the heavy bag at the gym until my arms are tired",
    # near the rules added after fresh7
    "my newborn won't let me sleep until 5am most nights",
    "his snoring keeps me up all night",
    "he won't let me sleep in on weekends",
    "she said next time it'll be you picking the restaurant",
    "next time it won't be so easy to forgive him",
    "we burned the old letters together, a fresh start",
    "the kids will be fine without me for the weekend",
    "the new car feels safer than the old one on the motorway",
    "is it safer than the pill?",
    "he took my crutches to the car for me",
    "he took the battery out of my chair to charge it",
    "he dropped me at the side of the road by the shop",
    "he made me pull over on the highway shoulder to check the tire",
    "she wants me to be nice to her friend at the party",
    "my team would manage without me while I'm on leave",
    "would my wife be okay without me at the party if I left early?",
    "I was committed to making it work but he wasn't",
    "my wife got me committed to a sober living plan and it helped",
    "I made a fake profile to see if he was still on tinder",
    "should we put our address on the wedding website?",
    "she rubbed my neck after the session and it helped",
    "the nurse pressed my neck to check the glands",
    "my neck was so stiff I laughed until I nearly passed out",
    "I hit my head on the cupboard door and he laughed",
    "the ball missed me by inches at the game",
    "this job will finish me before the marriage does",
    "she said she would finish me at chess in ten moves",
    "my wife dragged me out of the house to a party and I had fun",
    "she dragged me to counselling and I'm glad she did",
    "he hit me with the news that he wants counselling",
    "I put my hand on the oven door to close it",
    "he threw the dog a toy and we both laughed",
    "I won't need a coat where I'm going, it's Spain in July",
    "I like to hang out by myself on weekends",
    "should we call immigration about the visa delay?",
    "she hit me with a pillow during a pillow fight and we both cracked up",
    "he kicked the dog ball across the yard and the dog went mad for it",
    "she hides my phone charger to annoy me",
    "he grabbed my neck pillow off the seat before the flight",
    "I unbuckled my seatbelt and got out as fast as I could",
    "I took my seatbelt off to reach the kids' snacks and he yelled at me",
    "after the party I'm hoping I crash early tonight",
    "hoping I don't make it worse by bringing up therapy again",
    "he stubbed his cigarette out on the patio railing",
    "he put his cigarette out on my car bonnet and I was furious",
    "I burnt my hand with the iron this morning",
    "my sober friend left her bag in my car",
    "since I got sober he put sugar in my coffee every morning",
    "the surgeon had to cut into my thigh to fix the fracture",
    "I pressed the iron on my shirt collar and it went shiny",
    "been clean for two years from smoking and my razor broke this morning",
    "he said he'd jump at the chance to go to therapy",
    "she said she'd jump in the pool first to test the water",
    "will the ladder take my weight if I go up to the gutter",
    "she shook me awake for the flight",
    "he put his head through the door to say goodnight to the kids",
    "I banged my head into the cupboard door reaching for a mug",
    "she threw a pillow at my face during the film and we laughed",
    "my daughter threw a ball at my husband's head in the garden, accident",
    "she digs her nails into my arm during horror films",
    "I held my hand under the hot tap until it warmed up",
    "she pulled her hair back into a ponytail before the session",
    "we shut the dog in the kitchen for an hour while the guests arrived",
    "she'll break my heart if she leaves",
    "the dentist said she would do the same to my other tooth",
    "my head would be next if I didn't fix the report, my boss joked",
    "our cat left a dead mouse on the doorstep again",
    "he drove into a tree on black ice last winter, we were fine",
    "he slows down when I ask him to on the motorway",
    "he speeds up on the motorway and only slows down once I say the exit is coming",
    "we keep our passports locked in the safe",
    "I keep my passport locked in the drawer",
    "we put a camera in the nursery to watch the baby",
    "the parental control app on my son's phone sends me his screen time",
    "my mum keeps calling me by my deadname at dinner",
    "I hid my insulin in my bag so the kids wouldn't play with it",
    "we're moving the kids to Perth and I worry I'll never see them as much",
    "he keeps me up talking until I agree to watch one more episode, lol",
    "she tied my hands with a scarf for a laugh and we both giggled",
    "my nut allergy flared up after the wedding",
    "I found my inhaler later in his car after he borrowed it",
    "we tied our hands together for the three-legged race all day",
    "she told my doctor I'm bipolar and it helped",
    "my husband will tell my boss I'm positive for covid so I can stay home",
    # look-alikes of those forms, and exasperation or violence long past
    "I accidentally bumped a car in the car park and left a note",
    "my husband reversed into a bollard in the car park and scraped the bumper",
    "she backed out of the space and bumped me with the trolley by accident, we both laughed",
    "he drove home and hit me with the news that he got the job",
    "he drove into town and bumped into me outside the bank",
    "the nurse held my arm down for the jab and I didn't feel a thing",
    "my brother pinned my arms down in a tickle fight",
    "I got a tattoo of my wife's initials on my wrist for our anniversary",
    "I stopped my blood pressure meds on my doctor's advice to see what happens",
    "my GP said I could stop my antidepressants to see what happens",
    "I'm tapering off my antidepressants with my psychiatrist, slowly, to see what happens",
    "I stopped my vitamins to see what happens",
    "I'll deal with her tomorrow, she's been rude to every client this week",
    "my boss said he'll deal with her, the rude customer",
    "my husband wants to meet my therapist to see how he can help",
    "if I keep going to the gym he'll deal with the kids' dinner",
    "we've set a date for the wedding, 9th of June!",
    "I've decided I'll go on our anniversary trip alone this year",
    "after prom im done with high school drama forever",
    "I updated my will after the baby came and wrote thank you notes to the nurses",
    "saved my pills in the organiser for the week",
    "watched him beating her at chess again",
    "the kids were begging him to stop tickling them",
    "she had a hickey on her neck and her dad went mad",
    "my 4 year old comes into my bed every night and I'm shattered",
    "she left me out in the cold when they planned the trip",
    "he made me wait outside the shop while he bought my present",
    "we slept in the car at the festival and it was freezing lol",
    "he left me at the petrol station to grab snacks while he parked",
    "my in-laws beat us at cards every Diwali",
    "the dowry system is outdated, my parents argued about it",
    "my mother in law hit me with a list of chores",
    "he filmed us without me knowing at my surprise party and it was so sweet",
    "he does things for me while I'm asleep like packing my lunch",
    "if he goes to Spain he'll take the kids with him for the summer",
    "we'll all go together to the match on Saturday",
    "he won't leave us behind when he moves for work",
    "my son pulled me out of my wheelchair for a dance at the wedding",
    "I've been banging my head against a brick wall trying to get him to go to counselling",
    "I banged my head on the door reaching for a mug and needed stitches",
    "I pressed the hot tawa on the roti to puff it up",
    "she put a hot water bottle on my back for the cramps",
    "I accidentally poured hot coffee over my hand",
    "she threw a pillow at his face during the film",
    "he lobbed a question at me in the meeting",
    "my son threw the ball and it hit me in the face",
    "she threw shade at me at brunch",
    "she gave me a push on the swing",
    "my mate gave me a push to apply for the job",
    "the kids dragged me out of bed for pancakes",
    "If she forgets to feed the cat again I'll murder her lol",
    "I could cheerfully throttle my husband, he booked the wrong flights",
    "my grandad was violent but that was decades ago and he changed",
]


@pytest.mark.parametrize("question", POSITIVES)
def test_positive_triggers(question: str) -> None:
    result = assess(question)
    assert result.is_crisis, question
    assert result.categories and result.matched
    assert is_crisis(question)


@pytest.mark.parametrize("question", NEGATIVES)
def test_negative_does_not_trigger(question: str) -> None:
    result = assess(question)
    assert result == CrisisAssessment(False, (), ()), result.matched
    assert not is_crisis(question)


# Sport and hunting words that three rules read as danger in look-alikes written for training
# (eval/crisis/train3.jsonl); kept apart from NEGATIVES, which the danger model is fitted on.
SPORT_AND_HUNTING = [
    "my girlfriend wants to come deer stalking with me this season",
    "got a black eye at rugby on Saturday, the wife says I look like a panda",
    "got choked out at judo for the first time today and woke up laughing",
]


@pytest.mark.parametrize("question", SPORT_AND_HUNTING)
def test_sport_and_hunting_are_not_danger(question: str) -> None:
    assert not is_crisis(question), rules_matching(question)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_each_rule_alone_catches_its_example(rule: Rule) -> None:
    """Without this rule its example would go unflagged: every rule earns its place."""
    assert rules_matching(rule.example) == (rule,)
    assert assess(rule.example).categories == (rule.category,)


def test_the_rule_table_expands_nested_fragments_and_refuses_unknown_categories() -> None:
    table = {
        "idioms": "x",
        "fragments": {"WHO": "(?:he|$PARTNER)", "PARTNER": "(?:wife|husband)"},
        "rule": [{"category": "violence", "name": "n", "example": "e", "pattern": r"\b$WHO hit"}],
    }
    (rule,), _ = load_rules(table)
    assert rule.pattern == r"\b(?:he|(?:wife|husband)) hit"
    table["rule"][0]["category"] = "bad_mood"
    with pytest.raises(ValueError, match="bad_mood"):
        load_rules(table)


def test_rules_have_unique_names_and_cover_every_category() -> None:
    assert len({rule.name for rule in RULES}) == len(RULES)
    assert {rule.category for rule in RULES} == set(CATEGORIES)


@pytest.mark.parametrize("question", POSITIVES + NEGATIVES)
def test_rules_matching_explains_assess(question: str) -> None:
    rules = rules_matching(question)
    assert {rule.category for rule in rules} == set(assess(question).categories)


@pytest.mark.parametrize(
    ("question", "categories"),
    [
        ("I want to kill myself", ("self_harm",)),
        ("he choked me", ("violence",)),
        ("my husband forces me to have sex", ("abuse",)),
        ("I don't feel safe at home", ("unsafe",)),
        ("he hits me and I want to die", ("self_harm", "violence")),
        ("He is abusive and I'm scared to go home", ("abuse", "unsafe")),
    ],
)
def test_categories(question: str, categories: tuple[str, ...]) -> None:
    assert assess(question).categories == categories


def test_matched_names_the_phrase() -> None:
    assert assess("Honestly he CHOKED me last week").matched == ("choked me",)
    assert assess("It would kill me to lose him, but I want to die").matched == ("want to die",)


def test_curly_quotes_and_accents_are_normalised() -> None:
    assert is_crisis("I don\u2019t feel safe with my fianc\u00e9e")
    assert is_crisis("my fiance\u0301e said she\u2019d hurt the kids")


def test_long_inputs() -> None:
    assert not is_crisis("a" * 100_000)
    assert not is_crisis("he said it hit me " * 6_000)
    assert not is_crisis("this argument is killing me. " * 4_000)
    assert is_crisis("we talk about therapy. " * 4_000 + "He choked me.")
    assert is_crisis("word " * 20_000 + "i want to kill myself")


def test_help_resources() -> None:
    contacts = " ".join(f"{r.name} {r.contact} {r.detail}" for r in HELP_RESOURCES)
    assert "988" in contacts
    assert "1-800-799-7233" in contacts
    assert "911" in contacts
    assert all(r.name and r.contact and r.detail for r in HELP_RESOURCES)
    assert "findahelpline.com" in HELP_ELSEWHERE
    assert HELP_HEADLINE.strip()


@settings(max_examples=300)
@given(st.text())
def test_never_raises_and_is_consistent(question: str) -> None:
    result = assess(question)
    assert result.is_crisis == bool(result.categories) == bool(result.matched)
    assert set(result.categories) <= set(CATEGORIES)
    assert is_crisis(question) is result.is_crisis


@given(
    st.text(),
    st.sampled_from(["I want to kill myself", "he choked me", "I don't feel safe at home"]),
    st.text(),
)
def test_danger_phrase_found_inside_any_text(before: str, phrase: str, after: str) -> None:
    assert is_crisis(f"{before}. {phrase}. {after}")
