-- MitACD's schema exactly (CONTRACT.md section 5; shared/src/schema.rs lists the same): the
-- SQLite twin of the PostgreSQL migration of the same name. Table and column names as MitACD
-- has them, every non-key column NULL-able, declared types that give SQLite's matching
-- affinity (SMALLINT for tinyint, VARCHAR(n), TEXT for varchar(max)). Timestamps stay TEXT in
-- one form only, `2021-06-15T01:24:08.193Z` (UTC, milliseconds, `Z`), written by `Timestamp`.
--
-- Turns a database made by the first migration into MitACD's without losing a row (a fresh
-- database runs both); each table is rebuilt, as SQLite cannot change a column's type:
--   * Campanias.Inicio/Fin were already stored as the text the API printed: kept as is;
--     VinculoDefault (text before, tinyint in MitACD): its number;
--   * Agentes.Costo (real before, int in MitACD): the integral cost; Agentes.Photo (bytes
--     before, varchar(200) in MitACD) is copied as stored, and `Database::migrate` rewrites
--     any bytes left in it as the base64 text the API printed (SQLite has no base64 function);
--   * CausasTerminacion.idCausaTerminacion -> CodigoTerminacion;
--   * ResultadosGestion (Codigo, Nombre) -> (id, Nombre, NombreCompleto = the old Nombre);
--   * ModosCampania -> ModoCampania, ParametroTarea* -> ParametrosTarea* (plural).
-- A value MitACD's type cannot hold stops the migration with the named CHECK below, and the
-- whole migration rolls back: fix the row and run it again.

CREATE TEMP TABLE "mitacd_upgrade_guard" (
    "costo" INTEGER
        CONSTRAINT "MitACD upgrade: Agentes.Costo holds a cost that is not an int (MitACD stores int); fix those rows and migrate again"
        CHECK ("costo" = 0),
    "vinculo" INTEGER
        CONSTRAINT "MitACD upgrade: Campanias.VinculoDefault holds a value that is not a tinyint (0-255); fix those rows and migrate again"
        CHECK ("vinculo" = 0)
);
INSERT INTO "mitacd_upgrade_guard" VALUES (
    (SELECT COUNT(*) FROM "Agentes"
      WHERE "Costo" <> CAST("Costo" AS INTEGER) OR abs("Costo") > 2147483647),
    (SELECT COUNT(*) FROM "Campanias"
      WHERE "VinculoDefault" IS NOT NULL
        AND NOT (trim("VinculoDefault") GLOB '[0-9]' OR trim("VinculoDefault") GLOB '[0-9][0-9]'
                 OR (trim("VinculoDefault") GLOB '[0-9][0-9][0-9]' AND CAST(trim("VinculoDefault") AS INTEGER) <= 255)))
);
DROP TABLE "mitacd_upgrade_guard";

-- Interacciones ------------------------------------------------------------------------------
CREATE TABLE "Interacciones_mitacd" (
    "idInteraccion"          VARCHAR(64) NOT NULL PRIMARY KEY,
    "Inicio"                 TEXT,
    "idNumero"               INTEGER,
    "idCRM"                  VARCHAR(256),
    "Cliente"                VARCHAR(256),
    "DNIS"                   VARCHAR(24),
    "ANI"                    VARCHAR(24),
    "idResultadoGestion"     INTEGER,
    "CausaTerminacion"       INTEGER,
    "CausaQ850"              INTEGER,
    "OrigenCorte"            INTEGER,
    "idCampania"             INTEGER,
    "idAgente"               INTEGER,
    "segmentos"              INTEGER,
    "Contexto"               TEXT,
    "idMensaje"              INTEGER,
    "idCaso"                 INTEGER,
    "idCliente"              VARCHAR(256),
    "CerradaPorTiempoMaxACW" SMALLINT,
    "Duracion"               BIGINT,
    "idTarea"                INTEGER
);
INSERT INTO "Interacciones_mitacd"
SELECT "idInteraccion", "Inicio", "idNumero", "idCRM", "Cliente", "DNIS", "ANI", "idResultadoGestion",
       "CausaTerminacion", "CausaQ850", "OrigenCorte", "idCampania", "idAgente", "segmentos", "Contexto",
       "idMensaje", "idCaso", "idCliente", "CerradaPorTiempoMaxACW", "Duracion", "idTarea"
  FROM "Interacciones";
DROP TABLE "Interacciones";
ALTER TABLE "Interacciones_mitacd" RENAME TO "Interacciones";

-- Campanias ----------------------------------------------------------------------------------
CREATE TABLE "Campanias_mitacd" (
    "idCampania"                  INTEGER NOT NULL PRIMARY KEY,
    "idEmpresa"                   INTEGER,
    "Nombre"                      VARCHAR(256),
    "ModoCampania"                SMALLINT,
    "TipoContacto"                SMALLINT,
    "FechaCreacion"               TEXT,
    "Inicio"                      VARCHAR(1024),
    "Fin"                         VARCHAR(1024),
    "idCriterioRellamada"         INTEGER,
    "idGrupoFeriado"              INTEGER,
    "idBandaHoraria"              INTEGER,
    "idGrupoRecursos"             INTEGER,
    "idGrupoResultadosGestion"    INTEGER,
    "idGrupoWordSpottingOperador" INTEGER,
    "idGrupoWordSpottingCliente"  INTEGER,
    "idListaNoLlame"              INTEGER,
    "idGrupoTiposBookmark"        INTEGER,
    "DNIS"                        VARCHAR(24),
    "Token"                       INTEGER,
    "VinculoDefault"              SMALLINT,
    "idCuenta"                    INTEGER,
    "idGrupoPlantillasMensajes"   INTEGER,
    "Activa"                      SMALLINT,
    "ContextoInactiva"            VARCHAR(2048)
);
INSERT INTO "Campanias_mitacd"
SELECT "idCampania", NULL, "Nombre", "ModoCampania", "TipoContacto", "FechaCreacion", "Inicio", "Fin",
       "idCriterioRellamada", "idGrupoFeriado", "idBandaHoraria", "idGrupoRecursos", "idGrupoResultadosGestion",
       "idGrupoWordSpottingOperador", "idGrupoWordSpottingCliente", "idListaNoLlame", "idGrupoTiposBookmark",
       "DNIS", "Token", CAST(trim("VinculoDefault") AS INTEGER), "idCuenta", "idGrupoPlantillasMensajes",
       "Activa", "ContextoInactiva"
  FROM "Campanias";
DROP TABLE "Campanias";
ALTER TABLE "Campanias_mitacd" RENAME TO "Campanias";

-- Agentes ------------------------------------------------------------------------------------
CREATE TABLE "Agentes_mitacd" (
    "idAgente"          INTEGER NOT NULL PRIMARY KEY,
    "Nombre"            VARCHAR(256),
    "idGrupo"           INTEGER,
    "idPerfil"          INTEGER,
    "Usuario"           VARCHAR(24),
    "Password"          VARCHAR(256),
    "Superusuario"      SMALLINT,
    "LoginId"           VARCHAR(24),
    "PasswordLoginId"   VARCHAR(256),
    "idPerfilAgente"    INTEGER,
    "Costo"             INTEGER,
    "Legajo"            VARCHAR(24),
    "email"             VARCHAR(256),
    "Direccion"         VARCHAR(256),
    "TelefonoCasa"      VARCHAR(24),
    "TelefonoCelular"   VARCHAR(24),
    "Activo"            SMALLINT,
    "TieneFoto"         SMALLINT,
    "UltimoCambioFoto"  TEXT,
    "FechaAlta"         TEXT,
    "FechaBaja"         TEXT,
    "ModoAutenticacion" SMALLINT,
    "Token"             INTEGER,
    "rol"               VARCHAR(100),
    "Photo"             VARCHAR(200),
    "ContentType"       VARCHAR(50),
    "usuarioMIM"        VARCHAR(24),
    "passwordMIM"       VARCHAR(256),
    "esUsuario"         SMALLINT,
    "esAgente"          SMALLINT,
    "Migrado"           SMALLINT
);
INSERT INTO "Agentes_mitacd"
SELECT "idAgente", "Nombre", "idGrupo", "idPerfil", "Usuario", NULL, "Superusuario", "LoginId", NULL,
       "idPerfilAgente", CAST("Costo" AS INTEGER), "Legajo", "email", "Direccion", "TelefonoCasa",
       "TelefonoCelular", "Activo", "TieneFoto", "UltimoCambioFoto", "FechaAlta", "FechaBaja",
       "ModoAutenticacion", "Token", "rol", "Photo", "ContentType", "usuarioMIM", NULL, "esUsuario",
       "esAgente", "Migrado"
  FROM "Agentes";
DROP TABLE "Agentes";
ALTER TABLE "Agentes_mitacd" RENAME TO "Agentes";

-- Lookups ------------------------------------------------------------------------------------
CREATE TABLE "Grupos_mitacd" (
    "idGrupo"      INTEGER NOT NULL PRIMARY KEY,
    "Nombre"       VARCHAR(256),
    "idSupervisor" INTEGER
);
INSERT INTO "Grupos_mitacd" SELECT "idGrupo", "Nombre", "idSupervisor" FROM "Grupos";
DROP TABLE "Grupos";
ALTER TABLE "Grupos_mitacd" RENAME TO "Grupos";

CREATE TABLE "CausasTerminacion_mitacd" (
    "CodigoTerminacion" INTEGER NOT NULL PRIMARY KEY,
    "Descripcion"       VARCHAR(256),
    "PuntajeDefault"    INTEGER,
    "TiempoDefault"     INTEGER
);
INSERT INTO "CausasTerminacion_mitacd"
SELECT "idCausaTerminacion", "Descripcion", "PuntajeDefault", "TiempoDefault" FROM "CausasTerminacion";
DROP TABLE "CausasTerminacion";
ALTER TABLE "CausasTerminacion_mitacd" RENAME TO "CausasTerminacion";

CREATE TABLE "OrigenesCorte_mitacd" (
    "idOrigenCorte" INTEGER NOT NULL PRIMARY KEY,
    "Descripcion"   VARCHAR(256)
);
INSERT INTO "OrigenesCorte_mitacd" SELECT "idOrigenCorte", "Descripcion" FROM "OrigenesCorte";
DROP TABLE "OrigenesCorte";
ALTER TABLE "OrigenesCorte_mitacd" RENAME TO "OrigenesCorte";

CREATE TABLE "ResultadosGestion_mitacd" (
    "idResultadoGestion"     INTEGER NOT NULL PRIMARY KEY,
    "Nombre"                 VARCHAR(256) NOT NULL,
    "id"                     VARCHAR(256),
    "TipoDefault"            SMALLINT,
    "TiempoRellamadaDefault" INTEGER,
    "idParent"               INTEGER,
    "NombreCompleto"         TEXT,
    "Nivel"                  INTEGER,
    "EsResultado"            SMALLINT
);
INSERT INTO "ResultadosGestion_mitacd" ("idResultadoGestion", "Nombre", "id", "NombreCompleto")
SELECT "idResultadoGestion", COALESCE("Nombre", ''), "Codigo", "Nombre" FROM "ResultadosGestion";
DROP TABLE "ResultadosGestion";
ALTER TABLE "ResultadosGestion_mitacd" RENAME TO "ResultadosGestion";

CREATE TABLE "ModoCampania" (
    "idModoCampania" SMALLINT NOT NULL PRIMARY KEY,
    "Descripcion"    VARCHAR(256)
);
INSERT INTO "ModoCampania" SELECT "idModoCampania", "Descripcion" FROM "ModosCampania";
DROP TABLE "ModosCampania";

-- Task parameters: the primary key's leading column serves "all parameters of a task". ------
CREATE TABLE "ParametrosTareaEntrada" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" VARCHAR(100) NOT NULL,
    "Valor"           VARCHAR(4000),
    PRIMARY KEY ("idTarea", "NombreParametro")
);
INSERT INTO "ParametrosTareaEntrada" SELECT "idTarea", "NombreParametro", "Valor" FROM "ParametroTareaEntrada";
DROP TABLE "ParametroTareaEntrada";

CREATE TABLE "ParametrosTareaSalida" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" VARCHAR(100) NOT NULL,
    "Valor"           VARCHAR(4000),
    PRIMARY KEY ("idTarea", "NombreParametro")
);
INSERT INTO "ParametrosTareaSalida" SELECT "idTarea", "NombreParametro", "Valor" FROM "ParametroTareaSalida";
DROP TABLE "ParametroTareaSalida";
