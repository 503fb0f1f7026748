// Package intake is the school's desk for its public services: the catalogue of
// services (what each needs, how long it takes, on what grounds it may be refused), the
// working-day calendar of Kazakhstan that every term is counted on, applications from
// submission to result with every change audited, first-grade admission in the 3+1
// order, complaints, and the contest registration that becomes the contest's
// candidate base.
//
// The package is pure Go: storage sits behind Repository (implemented in memory by
// intake/memstore, in a JSON file by intake/filestore, and in SQL by the store), and
// rendering to PDF, CSV and XLSX lives in intake/receipt and intake/candidates.
//
// Sources: the school's list of services and the Model Admission Rules with annexes 1
// (admission standard) and 2 (transfer standard), the rules on education documents
// and their duplicates (§7–§32 and the duplicates standard), and the Law "On public
// services" (2013) art. 19, 19-1, 20 and 25, all in shared/seed.
package intake
