DROP INDEX contracts_sales_contact_id_idx;
CREATE INDEX contracts_sales_contact_id_idx ON contracts (sales_contact_id);
