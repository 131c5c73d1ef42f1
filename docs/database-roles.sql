-- The PostgreSQL roles the v3 functions log in as (README, "Database roles"): v3_reader for
-- the six GET functions, v3_writer for the POST function; the migrate function logs in as the
-- owner of the schema. Run once, with psql, in the database the API uses, as a user that may
-- create roles (the cluster's master user). tests/contract/roles.rs runs this file.

-- ---- 1. The roles (every layout) ----
-- Through RDS Proxy (or with DatabaseAuthMode secrets-manager), each role's password is the one
-- in its secret (DatabaseReaderSecretArn, DatabaseWriterSecretArn), and the secret is in the
-- proxy's auth list. With IAM auth straight to an instance, leave the passwords out and run
--   GRANT rds_iam TO v3_reader, v3_writer;
-- instead. In the default layout, migrate then grants them what they need on every run (a
-- deploy, or invoking it by hand): nothing more to run here. PostgreSQL 14 and older let every
-- role create tables in schema public; REVOKE CREATE ON SCHEMA public FROM PUBLIC; stops that.
CREATE ROLE v3_reader LOGIN PASSWORD 'the password in DatabaseReaderSecretArn';
CREATE ROLE v3_writer LOGIN PASSWORD 'the password in DatabaseWriterSecretArn';

-- ---- 2. The grants, Babelfish layout only (DB_LAYOUT=babelfish) ----
-- MitACD's schema is the contact center's, and migrate touches nothing there, so these are run
-- here, once, as the cluster's master user (or another member of the role that owns MitACD's
-- tables). mitacd_dbo is DB_SCHEMA's default (multi-db mode): replace it with yours (dbo in
-- single-db mode). The reader may SELECT, in the ten tables the API reads, the columns a
-- response carries (not the stored passwords, not idempresa); the writer may, on
-- parametrostareasalida only, do what the POST's upsert needs (INSERT ... ON CONFLICT (key)
-- DO UPDATE SET valor = EXCLUDED.valor RETURNING (xmax = 0)): INSERT, UPDATE of valor, and
-- SELECT of the key columns (the conflict target), valor (EXCLUDED) and xmax (RETURNING).
-- No DELETE, and nothing on any other table. Generated from shared/src/schema.rs
-- (shared::roles::grant_sql; a test holds this text to it).
GRANT USAGE ON SCHEMA "mitacd_dbo" TO "v3_reader";
GRANT SELECT ("idmodocampania", "descripcion")
    ON TABLE "mitacd_dbo"."modocampania" TO "v3_reader";
GRANT SELECT ("idgrupo", "nombre", "idsupervisor")
    ON TABLE "mitacd_dbo"."grupos" TO "v3_reader";
GRANT SELECT ("codigoterminacion", "descripcion", "puntajedefault", "tiempodefault")
    ON TABLE "mitacd_dbo"."causasterminacion" TO "v3_reader";
GRANT SELECT ("idorigencorte", "descripcion")
    ON TABLE "mitacd_dbo"."origenescorte" TO "v3_reader";
GRANT SELECT ("idresultadogestion", "nombre", "id", "tipodefault", "tiemporellamadadefault", "idparent", "nombrecompleto", "nivel", "esresultado")
    ON TABLE "mitacd_dbo"."resultadosgestion" TO "v3_reader";
GRANT SELECT ("idcampania", "nombre", "modocampania", "tipocontacto", "fechacreacion", "inicio", "fin", "idcriteriorellamada", "idgrupoferiado", "idbandahoraria", "idgruporecursos", "idgruporesultadosgestion", "idgrupowordspottingoperador", "idgrupowordspottingcliente", "idlistanollame", "idgrupotiposbookmark", "dnis", "token", "vinculodefault", "idcuenta", "idgrupoplantillasmensajes", "activa", "contextoinactiva")
    ON TABLE "mitacd_dbo"."campanias" TO "v3_reader";
GRANT SELECT ("idagente", "nombre", "idgrupo", "idperfil", "usuario", "superusuario", "loginid", "idperfilagente", "costo", "legajo", "email", "direccion", "telefonocasa", "telefonocelular", "activo", "tienefoto", "ultimocambiofoto", "fechaalta", "fechabaja", "modoautenticacion", "token", "rol", "photo", "contenttype", "usuariomim", "esusuario", "esagente", "migrado")
    ON TABLE "mitacd_dbo"."agentes" TO "v3_reader";
GRANT SELECT ("idinteraccion", "inicio", "idnumero", "idcrm", "cliente", "dnis", "ani", "idresultadogestion", "causaterminacion", "causaq850", "origencorte", "idcampania", "idagente", "segmentos", "contexto", "idmensaje", "idcaso", "idcliente", "cerradaportiempomaxacw", "duracion", "idtarea")
    ON TABLE "mitacd_dbo"."interacciones" TO "v3_reader";
GRANT SELECT ("idtarea", "nombreparametro", "valor")
    ON TABLE "mitacd_dbo"."parametrostareaentrada" TO "v3_reader";
GRANT SELECT ("idtarea", "nombreparametro", "valor")
    ON TABLE "mitacd_dbo"."parametrostareasalida" TO "v3_reader";
GRANT USAGE ON SCHEMA "mitacd_dbo" TO "v3_writer";
GRANT INSERT ("idtarea", "nombreparametro", "valor"),
      UPDATE ("valor"),
      SELECT ("idtarea", "nombreparametro", "valor", xmax)
    ON TABLE "mitacd_dbo"."parametrostareasalida" TO "v3_writer";
