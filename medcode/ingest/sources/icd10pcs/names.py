"""ICD-10-PCS reviewed names: sections, body systems, root operations and approaches."""

from __future__ import annotations

from collections import defaultdict

# Reviewed names: the section titles (unchanged since 2016) and, for the sections whose tables no package
# carries, body system and root operation names as CMS's tables print them ("value name; value name").
# Body systems become concept titles (attrs title_source "reviewed"); a root operation becomes an axis
# label only when every code title of its table contains it.
_SECTIONS = """
0 Medical and Surgical; 1 Obstetrics; 2 Placement; 3 Administration; 4 Measurement and Monitoring
5 Extracorporeal or Systemic Assistance and Performance; 6 Extracorporeal or Systemic Therapies
7 Osteopathic; 8 Other Procedures; 9 Chiropractic; B Imaging; C Nuclear Medicine; D Radiation Therapy
F Physical Rehabilitation and Diagnostic Audiology; G Mental Health; H Substance Abuse Treatment; X New Technology
"""
_BODY_SYSTEMS = """
2W Anatomical Regions; 2Y Anatomical Orifices; 30 Circulatory; 3C Indwelling Device
3E Physiological Systems and Anatomical Regions; 4A Physiological Systems; 4B Physiological Devices
5A Physiological Systems; 6A Physiological Systems; 7W Anatomical Regions; 8C Indwelling Device
8E Physiological Systems and Anatomical Regions; 9W Anatomical Regions
B0 Central Nervous System; B2 Heart; B3 Upper Arteries; B4 Lower Arteries; B5 Veins; B7 Lymphatic System; B8 Eye
B9 Ear, Nose, Mouth and Throat; BB Respiratory System; BD Gastrointestinal System
BF Hepatobiliary System and Pancreas; BG Endocrine System; BH Skin, Subcutaneous Tissue and Breast
BL Connective Tissue; BN Skull and Facial Bones; BP Non-Axial Upper Bones; BQ Non-Axial Lower Bones
BR Axial Skeleton, Except Skull and Facial Bones; BT Urinary System; BU Female Reproductive System
BV Male Reproductive System; BW Anatomical Regions; BY Fetus and Obstetrics
C0 Central Nervous System; C2 Heart; C5 Veins; C7 Lymphatic and Hematologic System; C8 Eye
C9 Ear, Nose, Mouth and Throat; CB Respiratory System; CD Gastrointestinal System
CF Hepatobiliary System and Pancreas; CG Endocrine System; CH Skin, Subcutaneous Tissue and Breast
CP Musculoskeletal System; CT Urinary System; CV Male Reproductive System; CW Anatomical Regions
D0 Central and Peripheral Nervous System; D7 Lymphatic and Hematologic System; D8 Eye
D9 Ear, Nose, Mouth and Throat; DB Respiratory System; DD Gastrointestinal System
DF Hepatobiliary System and Pancreas; DG Endocrine System; DH Skin; DM Breast; DP Musculoskeletal System
DT Urinary System; DU Female Reproductive System; DV Male Reproductive System; DW Anatomical Regions
F0 Rehabilitation; F1 Diagnostic Audiology; GZ None; HZ None
X0 Nervous System; X2 Cardiovascular System; XD Gastrointestinal System; XF Hepatobiliary System and Pancreas
XH Skin, Subcutaneous Tissue, Fascia and Breast; XK Muscles, Tendons, Bursae and Ligaments; XN Bones; XR Joints
XT Urinary System; XV Male Reproductive System; XW Anatomical Regions; XX Physiological Systems; XY Extracorporeal
"""
_ROOT_OPERATIONS = """
0 0 Alteration; 1 Bypass; 2 Change; 3 Control; 4 Creation; 5 Destruction; 6 Detachment; 7 Dilation; 8 Division
0 9 Drainage; B Excision; C Extirpation; D Extraction; F Fragmentation; G Fusion; H Insertion; J Inspection; K Map
0 L Occlusion; M Reattachment; N Release; P Removal; Q Repair; R Replacement; S Reposition; T Resection
0 U Supplement; V Restriction; W Revision; X Transfer; Y Transplantation
1 2 Change; 9 Drainage; A Abortion; D Extraction; E Delivery; H Insertion; J Inspection; P Removal; Q Repair
1 S Reposition; T Resection; Y Transplantation
2 0 Change; 1 Compression; 2 Dressing; 3 Immobilization; 4 Packing; 5 Removal; 6 Traction
3 0 Introduction; 1 Irrigation; 2 Transfusion
4 0 Measurement; 1 Monitoring
5 0 Assistance; 1 Performance; 2 Restoration
6 0 Atmospheric Control; 1 Decompression; 2 Electromagnetic Therapy; 3 Hyperthermia; 4 Hypothermia
6 5 Pheresis; 6 Phototherapy; 7 Ultrasound Therapy; 8 Ultraviolet Light Therapy; 9 Shock Wave Therapy; B Perfusion
7 0 Treatment
8 0 Other Procedures
9 B Manipulation
B 0 Plain Radiography; 1 Fluoroscopy; 2 Computerized Tomography (CT Scan); 3 Magnetic Resonance Imaging (MRI)
B 4 Ultrasonography; 5 Other Imaging
C 1 Planar Nuclear Medicine Imaging; 2 Tomographic (Tomo) Nuclear Medicine Imaging
C 3 Positron Emission Tomographic (PET) Imaging; 4 Nonimaging Nuclear Medicine Uptake
C 5 Nonimaging Nuclear Medicine Probe; 6 Nonimaging Nuclear Medicine Assay; 7 Systemic Nuclear Medicine Therapy
D 0 Beam Radiation; 1 Brachytherapy; 2 Stereotactic Radiosurgery; Y Other Radiation
F 0 Speech Assessment; 1 Motor and/or Nerve Function Assessment; 2 Activities of Daily Living Assessment
F 3 Hearing Assessment; 4 Hearing Aid Assessment; 5 Vestibular Assessment; 6 Speech Treatment; 7 Motor Treatment
F 8 Activities of Daily Living Treatment; 9 Hearing Treatment; B Cochlear Implant Treatment
F C Vestibular Treatment; D Device Fitting; F Caregiver Training
G 1 Psychological Tests; 2 Crisis Intervention; 3 Medication Management; 5 Individual Psychotherapy
G 6 Counseling; 7 Family Psychotherapy; B Electroconvulsive Therapy; C Biofeedback; F Hypnosis
G G Narcosynthesis; H Group Psychotherapy; J Light Therapy
H 2 Detoxification Services; 3 Individual Counseling; 4 Group Counseling; 5 Individual Psychotherapy
H 6 Family Counseling; 8 Medication Management; 9 Pharmacotherapy
X 0 Introduction; 1 Transfusion; 2 Monitoring; 5 Destruction; 7 Dilation; A Assistance; C Extirpation
X E Measurement; G Fusion; H Insertion; J Inspection; K Bypass; P Irrigation; R Replacement; S Reposition
X U Supplement; V Restriction
"""
_APPROACHES = """
0 Open; 3 Percutaneous; 4 Percutaneous Endoscopic; 7 Via Natural or Artificial Opening
8 Via Natural or Artificial Opening Endoscopic; F Via Natural or Artificial Opening With Percutaneous Endoscopic
 Assistance; X External
"""


def _names(text: str, *, prefixed: bool = False) -> dict[str, str]:
    """Parse "value name; value name" lines; with ``prefixed`` each line starts with its section."""
    names: dict[str, str] = {}
    for line in " ".join(text.split("\n ")).strip().splitlines():
        prefix, _, rest = line.partition(" ") if prefixed else ("", "", line)
        for item in rest.split("; "):
            value, _, name = item.strip().partition(" ")
            names[prefix + value] = name
    return names


SECTIONS = _names(_SECTIONS)
BODY_SYSTEMS = _names(_BODY_SYSTEMS)
APPROACHES = _names(_APPROACHES)
ROOT_OPERATIONS: dict[str, dict[str, str]] = defaultdict(dict)
for _key, _name in _names(_ROOT_OPERATIONS, prefixed=True).items():
    ROOT_OPERATIONS[_key[0]][_key[1]] = _name
KNOWN_NAMES = frozenset([name for ops in ROOT_OPERATIONS.values() for name in ops.values()] + list(APPROACHES.values()))
