DROP INDEX clients_sales_contact_id_idx;
CREATE INDEX clients_sales_contact_id_idx ON clients (sales_contact_id);
