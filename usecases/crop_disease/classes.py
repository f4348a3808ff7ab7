"""What the model can name, and what a grower is told to do about each."""

CLASS_NAMES = ("healthy", "early_blight", "rust", "powdery_mildew", "bacterial_spot", "mosaic_virus")

# Index 0 is "nothing wrong": the platform's automatic accept. Advice follows common extension
# guidance for vegetable crops; a service adapts the product names to its country's registrations.
ACTIONS = (
    "no treatment",
    "apply a protectant fungicide (chlorothalonil or mancozeb); remove infected lower leaves",
    "apply a rust fungicide (triazole or strobilurin); scout neighbouring plants",
    "apply sulfur or potassium bicarbonate; improve air flow",
    "apply copper bactericide; stop overhead irrigation",
    "remove and destroy the plant; control aphids (no chemical cure)",
)
