-- MitACD's schema exactly (CONTRACT.md section 5; shared/src/schema.rs lists the same):
-- MitACD's table and column names, every non-key column NULL-able, and the PostgreSQL types
-- AWS DMS gives MitACD's SQL Server types (int -> integer, tinyint -> smallint, datetime ->
-- timestamp(3) without time zone holding UTC, varchar(n) -> varchar(n), varchar(max) -> text),
-- so that a database made here and a replicated copy are the same.
--
-- The first migration reconstructed the schema from the seed's example bodies; this one turns
-- a database it made into MitACD's without losing a row (a fresh database runs both). Each
-- table is rebuilt, so that column order and types end exactly as MitACD has them:
--   * timestamps: TIMESTAMPTZ -> UTC timestamp(3), milliseconds kept as the API printed them;
--   * Campanias.Inicio/Fin (timestamps before, varchar(1024) in MitACD): the text the API
--     printed for them; VinculoDefault (text before, tinyint in MitACD): its number;
--   * Agentes.Costo (double before, int in MitACD): the integral cost;
--     Agentes.Photo (bytes before, varchar(200) in MitACD): the base64 text the API printed;
--   * CausasTerminacion.idCausaTerminacion -> CodigoTerminacion;
--   * ResultadosGestion (Codigo, Nombre) -> (id, Nombre, NombreCompleto = the old Nombre,
--     which is the name the analytics view printed and still prints);
--   * ModosCampania -> ModoCampania, ParametroTarea* -> ParametrosTarea* (plural).
-- A value MitACD's type cannot hold (a fractional cost, a photo over 150 bytes, a
-- VinculoDefault that is not a number) stops the migration with a message naming it, and the
-- whole migration rolls back: fix the row and run it again.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM "Agentes" WHERE "Costo" <> trunc("Costo") OR abs("Costo") > 2147483647) THEN
        RAISE EXCEPTION 'MitACD upgrade: Agentes.Costo holds a cost that is not an int (MitACD stores int); fix those rows and migrate again';
    END IF;
    IF EXISTS (SELECT 1 FROM "Agentes" WHERE length(translate(encode("Photo", 'base64'), E'\n', '')) > 200) THEN
        RAISE EXCEPTION 'MitACD upgrade: an Agentes.Photo is larger than MitACD''s varchar(200) holds as base64 (150 bytes); fix those rows and migrate again';
    END IF;
    IF EXISTS (SELECT 1 FROM "Campanias"
                WHERE CASE WHEN "VinculoDefault" ~ '^\s*[0-9]{1,3}\s*$' THEN trim("VinculoDefault")::integer > 255
                           ELSE "VinculoDefault" IS NOT NULL END) THEN
        RAISE EXCEPTION 'MitACD upgrade: Campanias.VinculoDefault holds a value that is not a tinyint (0-255); fix those rows and migrate again';
    END IF;
END $$;

-- Moves a table aside so that its replacement takes its name and its key's name.
CREATE FUNCTION pg_temp.set_aside(old_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %I RENAME TO %I', old_name, old_name || '_v1');
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', old_name || '_v1', old_name || '_pkey', old_name || '_v1_pkey');
END $$;

-- The API's timestamp text (what it printed before and prints now), for the two columns
-- that MitACD keeps as varchar.
CREATE FUNCTION pg_temp.api_text(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- UTC, truncated (not rounded) to the milliseconds the API printed.
CREATE FUNCTION pg_temp.utc_ms(at timestamptz) RETURNS timestamp(3) LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('milliseconds', at AT TIME ZONE 'UTC')
$$;

-- Interacciones ------------------------------------------------------------------------------
SELECT pg_temp.set_aside('Interacciones');
CREATE TABLE "Interacciones" (
    "idInteraccion"          varchar(64) NOT NULL PRIMARY KEY,
    "Inicio"                 timestamp(3),
    "idNumero"               integer,
    "idCRM"                  varchar(256),
    "Cliente"                varchar(256),
    "DNIS"                   varchar(24),
    "ANI"                    varchar(24),
    "idResultadoGestion"     integer,
    "CausaTerminacion"       integer,
    "CausaQ850"              integer,
    "OrigenCorte"            integer,
    "idCampania"             integer,
    "idAgente"               integer,
    "segmentos"              integer,
    "Contexto"               text,
    "idMensaje"              integer,
    "idCaso"                 integer,
    "idCliente"              varchar(256),
    "CerradaPorTiempoMaxACW" smallint,
    "Duracion"               bigint,
    "idTarea"                integer
);
INSERT INTO "Interacciones"
SELECT "idInteraccion", pg_temp.utc_ms("Inicio"), "idNumero", "idCRM", "Cliente", "DNIS", "ANI",
       "idResultadoGestion", "CausaTerminacion", "CausaQ850", "OrigenCorte", "idCampania", "idAgente",
       "segmentos", "Contexto", "idMensaje", "idCaso", "idCliente", "CerradaPorTiempoMaxACW",
       "Duracion", "idTarea"
  FROM "Interacciones_v1";
DROP TABLE "Interacciones_v1";

-- Campanias ----------------------------------------------------------------------------------
SELECT pg_temp.set_aside('Campanias');
CREATE TABLE "Campanias" (
    "idCampania"                  integer NOT NULL PRIMARY KEY,
    "idEmpresa"                   integer,
    "Nombre"                      varchar(256),
    "ModoCampania"                smallint,
    "TipoContacto"                smallint,
    "FechaCreacion"               timestamp(3),
    "Inicio"                      varchar(1024),
    "Fin"                         varchar(1024),
    "idCriterioRellamada"         integer,
    "idGrupoFeriado"              integer,
    "idBandaHoraria"              integer,
    "idGrupoRecursos"             integer,
    "idGrupoResultadosGestion"    integer,
    "idGrupoWordSpottingOperador" integer,
    "idGrupoWordSpottingCliente"  integer,
    "idListaNoLlame"              integer,
    "idGrupoTiposBookmark"        integer,
    "DNIS"                        varchar(24),
    "Token"                       integer,
    "VinculoDefault"              smallint,
    "idCuenta"                    integer,
    "idGrupoPlantillasMensajes"   integer,
    "Activa"                      smallint,
    "ContextoInactiva"            varchar(2048)
);
INSERT INTO "Campanias"
SELECT "idCampania", NULL, "Nombre", "ModoCampania", "TipoContacto", pg_temp.utc_ms("FechaCreacion"),
       pg_temp.api_text("Inicio"), pg_temp.api_text("Fin"), "idCriterioRellamada", "idGrupoFeriado",
       "idBandaHoraria", "idGrupoRecursos", "idGrupoResultadosGestion", "idGrupoWordSpottingOperador",
       "idGrupoWordSpottingCliente", "idListaNoLlame", "idGrupoTiposBookmark", "DNIS", "Token",
       CAST(trim("VinculoDefault") AS smallint), "idCuenta", "idGrupoPlantillasMensajes", "Activa",
       "ContextoInactiva"
  FROM "Campanias_v1";
DROP TABLE "Campanias_v1";

-- Agentes ------------------------------------------------------------------------------------
SELECT pg_temp.set_aside('Agentes');
CREATE TABLE "Agentes" (
    "idAgente"          integer NOT NULL PRIMARY KEY,
    "Nombre"            varchar(256),
    "idGrupo"           integer,
    "idPerfil"          integer,
    "Usuario"           varchar(24),
    "Password"          varchar(256),
    "Superusuario"      smallint,
    "LoginId"           varchar(24),
    "PasswordLoginId"   varchar(256),
    "idPerfilAgente"    integer,
    "Costo"             integer,
    "Legajo"            varchar(24),
    "email"             varchar(256),
    "Direccion"         varchar(256),
    "TelefonoCasa"      varchar(24),
    "TelefonoCelular"   varchar(24),
    "Activo"            smallint,
    "TieneFoto"         smallint,
    "UltimoCambioFoto"  timestamp(3),
    "FechaAlta"         timestamp(3),
    "FechaBaja"         timestamp(3),
    "ModoAutenticacion" smallint,
    "Token"             integer,
    "rol"               varchar(100),
    "Photo"             varchar(200),
    "ContentType"       varchar(50),
    "usuarioMIM"        varchar(24),
    "passwordMIM"       varchar(256),
    "esUsuario"         smallint,
    "esAgente"          smallint,
    "Migrado"           smallint
);
INSERT INTO "Agentes"
SELECT "idAgente", "Nombre", "idGrupo", "idPerfil", "Usuario", NULL, "Superusuario", "LoginId", NULL,
       "idPerfilAgente", CAST("Costo" AS integer), "Legajo", "email", "Direccion", "TelefonoCasa",
       "TelefonoCelular", "Activo", "TieneFoto", pg_temp.utc_ms("UltimoCambioFoto"),
       pg_temp.utc_ms("FechaAlta"), pg_temp.utc_ms("FechaBaja"), "ModoAutenticacion", "Token", "rol",
       translate(encode("Photo", 'base64'), E'\n', ''), "ContentType", "usuarioMIM", NULL,
       "esUsuario", "esAgente", "Migrado"
  FROM "Agentes_v1";
DROP TABLE "Agentes_v1";

-- Lookups ------------------------------------------------------------------------------------
SELECT pg_temp.set_aside('Grupos');
CREATE TABLE "Grupos" (
    "idGrupo"      integer NOT NULL PRIMARY KEY,
    "Nombre"       varchar(256),
    "idSupervisor" integer
);
INSERT INTO "Grupos" SELECT "idGrupo", "Nombre", "idSupervisor" FROM "Grupos_v1";
DROP TABLE "Grupos_v1";

SELECT pg_temp.set_aside('CausasTerminacion');
CREATE TABLE "CausasTerminacion" (
    "CodigoTerminacion" integer NOT NULL PRIMARY KEY,
    "Descripcion"       varchar(256),
    "PuntajeDefault"    integer,
    "TiempoDefault"     integer
);
INSERT INTO "CausasTerminacion"
SELECT "idCausaTerminacion", "Descripcion", "PuntajeDefault", "TiempoDefault" FROM "CausasTerminacion_v1";
DROP TABLE "CausasTerminacion_v1";

SELECT pg_temp.set_aside('OrigenesCorte');
CREATE TABLE "OrigenesCorte" (
    "idOrigenCorte" integer NOT NULL PRIMARY KEY,
    "Descripcion"   varchar(256)
);
INSERT INTO "OrigenesCorte" SELECT "idOrigenCorte", "Descripcion" FROM "OrigenesCorte_v1";
DROP TABLE "OrigenesCorte_v1";

SELECT pg_temp.set_aside('ResultadosGestion');
CREATE TABLE "ResultadosGestion" (
    "idResultadoGestion"     integer NOT NULL PRIMARY KEY,
    "Nombre"                 varchar(256) NOT NULL,
    "id"                     varchar(256),
    "TipoDefault"            smallint,
    "TiempoRellamadaDefault" integer,
    "idParent"               integer,
    "NombreCompleto"         text,
    "Nivel"                  integer,
    "EsResultado"            smallint
);
INSERT INTO "ResultadosGestion" ("idResultadoGestion", "Nombre", "id", "NombreCompleto")
SELECT "idResultadoGestion", COALESCE("Nombre", ''), "Codigo", "Nombre" FROM "ResultadosGestion_v1";
DROP TABLE "ResultadosGestion_v1";

CREATE TABLE "ModoCampania" (
    "idModoCampania" smallint NOT NULL PRIMARY KEY,
    "Descripcion"    varchar(256)
);
INSERT INTO "ModoCampania" SELECT "idModoCampania", "Descripcion" FROM "ModosCampania";
DROP TABLE "ModosCampania";

-- Task parameters: the primary key's leading column serves "all parameters of a task". ------
CREATE TABLE "ParametrosTareaEntrada" (
    "idTarea"         integer NOT NULL,
    "NombreParametro" varchar(100) NOT NULL,
    "Valor"           varchar(4000),
    PRIMARY KEY ("idTarea", "NombreParametro")
);
INSERT INTO "ParametrosTareaEntrada" SELECT "idTarea", "NombreParametro", "Valor" FROM "ParametroTareaEntrada";
DROP TABLE "ParametroTareaEntrada";

CREATE TABLE "ParametrosTareaSalida" (
    "idTarea"         integer NOT NULL,
    "NombreParametro" varchar(100) NOT NULL,
    "Valor"           varchar(4000),
    PRIMARY KEY ("idTarea", "NombreParametro")
);
INSERT INTO "ParametrosTareaSalida" SELECT "idTarea", "NombreParametro", "Valor" FROM "ParametroTareaSalida";
DROP TABLE "ParametroTareaSalida";

DROP FUNCTION pg_temp.set_aside(text);
DROP FUNCTION pg_temp.api_text(timestamptz);
DROP FUNCTION pg_temp.utc_ms(timestamptz);
