"""The organiser's report: per session the places taken, waiting and given back; per Q&A
channel the questions asked, approved and answered; the plenary's blocks planned against
actual. Pure domain: storage hands it what is stored (`festival.report.model.ReportSource`)."""
