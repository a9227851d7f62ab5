// The eleven Annex A lists' titles and column headings, as Ofsted's template and liiatools'
// Annex A cleaner (annex-a-merge.yml) spell them.
#include "annex_a_headings.h"

namespace sightline::domain::returns {

std::vector<AnnexAList> AnnexAHeadings() {
  const std::vector<std::string> who = {"Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                                        "Age of Child (Years)"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> h = who;
    h.insert(h.end(), more.begin(), more.end());
    return h;
  };
  const std::string team = "Allocated Team", worker = "Allocated Worker";
  const std::string disability = "Does the Child have a Disability";
  return {
      {1, "Contacts", with({"Date of Contact", "Contact Source"}), {}},
      {2,
       "Early Help",
       with({"Assessment start date", "Assessment completion date",
             "Organisation completing assessment"}),
       {}},
      {3,
       "Referrals",
       with({"Date of referral", "Referral Source", "Referral NFA?",
             "Number of Referrals in Last 12 Months", team, worker}),
       {}},
      {4,
       "Assessments",
       with({disability, "Continuous Assessment Start Date",
             "Child Seen During Continuous Assessment",
             "Continuous Assessment Date of Authorisation",
             "Was the child assessed as requiring LA children's social care support?", team,
             worker}),
       {}},
      {5,
       "Section 47",
       with({disability, "Strategy discussion initiating Section 47 Enquiry Start Date",
             "Was an Initial Child Protection Conference deemed unnecessary?",
             "Date of Initial Child Protection Conference",
             "Did the Initial Child Protection Conference Result in a Child Protection Plan",
             "Number of Section 47 Enquiries in the last 12 months",
             "Number of ICPCs in the last 12 months", team, worker}),
       {}},
      {6,
       "Children in Need",
       with({disability, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen",
             "CIN Closure Date", "Reason for Closure", "Case Status", team, worker}),
       {}},
      {7,
       "Child Protection",
       with({disability, "Child Protection Plan Start Date", "Initial Category of Abuse",
             "Latest Category of Abuse", "Date of the Last Statutory Visit",
             "Was the Child Seen Alone?", "Date of latest review conference",
             "Child Protection Plan End Date",
             std::string("Subject to Emergency Protection Order or Protected Under Police Powers "
                         "in Last Six ") +
                 "Months (Y/N)",
             "Number of Previous Child Protection Plans", team, worker}),
       {}},
      {8,
       "Children in Care",
       {"Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
        disability,
        "Date Started to be Looked After",
        "Child's Category of Need",
        std::string("Is this a second or subsequent period of being a Looked After Child within "
                    "the last 12 ") +
            "months (Y/N)",
        "Start date of current legal status",
        "Child's Legal Status",
        "Date of Latest Statutory Review",
        "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child",
        "Date of Last Health Assessment",
        "Date of Last Dental Check",
        "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After",
        "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement",
        "Placement Type",
        "Placement Provider",
        "Placement postcode",
        "URN of Placement",
        "Placement Location",
        "LA of Placement",
        std::string("Number of Episodes the Child has been 'Missing' from their Placement in the "
                    "last 12 ") +
            "months",
        std::string(
            "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 ") +
            "months",
        "Was the child offered a Return Interview after their last missing episode (Y/N)?",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?",
        team,
        worker},
       {}},
      {9,
       "Care Leavers",
       with({disability, team, worker, "Eligibility Category", "LA in Touch",
             "Type of Accommodation", "Suitability of Accommodation", "Activity Status"}),
       {}},
      {10,
       "Adoption",
       {"Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth",
        "Age of Child (Years)", disability, "Date the Child Entered Care",
        "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
        "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
        "Date of Adoption Order",
        "Date of Decision that Child Should No Longer be Placed for Adoption",
        "Reason Why Child No Longer Placed for Adoption",
        "Date the child was placed for fostering in FFA or concurrent planning placement"},
       {}},
      {11,
       "Adopters",
       {"Individual adopter identifier", "Family identifier", "Gender", "Ethnicity", "Disability",
        "Is the (prospective) adopter fostering for adoption?", "Date enquiry received",
        "Date Stage 1 started", "Date Stage 1 ended", "Date Stage 2 started", "Date Stage 2 ended",
        "Date application submitted", "Date application approved",
        "Date adopter matched with child(ren)", "Date child/children placed with adopter(s)",
        "No. of children placed", "Date of Adoption Order", "Date of leaving adoption process",
        "Reason for leaving adoption process"},
       {}},
  };
}

}  // namespace sightline::domain::returns
