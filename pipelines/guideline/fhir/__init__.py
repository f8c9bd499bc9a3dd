"""FHIR R5 exchange following HL7's Evidence-Based Medicine implementation guide (hl7.fhir.uv.ebm 1.0.0-ballot):
records become a Bundle per topic (export.py), and the profiles' required elements are checked (profiles.py)."""
