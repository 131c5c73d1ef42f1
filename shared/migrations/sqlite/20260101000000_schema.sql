-- SQLite twin of the PostgreSQL schema. Timestamps are TEXT in one form only,
-- `2021-06-15T01:24:08.193Z` (UTC, milliseconds, `Z`), written by `Timestamp`.
-- The legacy contact-center schema (CONTRACT.md section 5): table and column names are kept
-- exactly, quoted, because the raw routes return rows "as they are in the database".
-- Every lookup the API makes is by primary key (or its leading column), so response time
-- does not grow with table size. No foreign keys: legacy rows may point at lookup rows that
-- do not exist, and the API answers those with nulls rather than refusing them.

CREATE TABLE "ModosCampania" (
    "idModoCampania" INTEGER PRIMARY KEY,
    "Descripcion"    TEXT
);

CREATE TABLE "Grupos" (
    "idGrupo"      INTEGER PRIMARY KEY,
    "Nombre"       TEXT,
    "idSupervisor" INTEGER
);

CREATE TABLE "CausasTerminacion" (
    "idCausaTerminacion" INTEGER PRIMARY KEY,
    "Descripcion"        TEXT,
    "PuntajeDefault"     INTEGER,
    "TiempoDefault"      INTEGER
);

CREATE TABLE "OrigenesCorte" (
    "idOrigenCorte" INTEGER PRIMARY KEY,
    "Descripcion"   TEXT
);

CREATE TABLE "ResultadosGestion" (
    "idResultadoGestion" INTEGER PRIMARY KEY,
    "Codigo"             TEXT,
    "Nombre"             TEXT
);

CREATE TABLE "Campanias" (
    "idCampania"                  INTEGER PRIMARY KEY,
    "Nombre"                      TEXT NOT NULL,
    "ModoCampania"                INTEGER NOT NULL,
    "TipoContacto"                INTEGER NOT NULL,
    "FechaCreacion"               TEXT NOT NULL,
    "Inicio"                      TEXT,
    "Fin"                         TEXT,
    "idCriterioRellamada"         INTEGER,
    "idGrupoFeriado"              INTEGER,
    "idBandaHoraria"              INTEGER,
    "idGrupoRecursos"             INTEGER,
    "idGrupoResultadosGestion"    INTEGER,
    "idGrupoWordSpottingOperador" INTEGER,
    "idGrupoWordSpottingCliente"  INTEGER,
    "idListaNoLlame"              INTEGER,
    "idGrupoTiposBookmark"        INTEGER,
    "DNIS"                        TEXT,
    "Token"                       INTEGER NOT NULL,
    "VinculoDefault"              TEXT,
    "idCuenta"                    INTEGER,
    "idGrupoPlantillasMensajes"   INTEGER,
    "Activa"                      INTEGER NOT NULL,
    "ContextoInactiva"            TEXT
);

CREATE TABLE "Agentes" (
    "idAgente"          INTEGER PRIMARY KEY,
    "Nombre"            TEXT NOT NULL,
    "idGrupo"           INTEGER,
    "idPerfil"          INTEGER,
    "Usuario"           TEXT,
    "Superusuario"      INTEGER NOT NULL,
    "LoginId"           TEXT,
    "idPerfilAgente"    INTEGER,
    "Costo"             REAL NOT NULL,
    "Legajo"            TEXT,
    "email"             TEXT,
    "Direccion"         TEXT,
    "TelefonoCasa"      TEXT,
    "TelefonoCelular"   TEXT,
    "Activo"            INTEGER NOT NULL,
    "TieneFoto"         INTEGER NOT NULL,
    "UltimoCambioFoto"  TEXT,
    "FechaAlta"         TEXT NOT NULL,
    "FechaBaja"         TEXT,
    "ModoAutenticacion" INTEGER NOT NULL,
    "Token"             INTEGER NOT NULL,
    "rol"               TEXT,
    "Photo"             BLOB,
    "ContentType"       TEXT,
    "usuarioMIM"        TEXT,
    "esUsuario"         INTEGER NOT NULL,
    "esAgente"          INTEGER NOT NULL,
    "Migrado"           INTEGER NOT NULL
);

CREATE TABLE "Interacciones" (
    "idInteraccion"          TEXT PRIMARY KEY,
    "Inicio"                 TEXT NOT NULL,
    "idNumero"               INTEGER NOT NULL,
    "idCRM"                  TEXT,
    "Cliente"                TEXT,
    "DNIS"                   TEXT,
    "ANI"                    TEXT,
    "idResultadoGestion"     INTEGER,
    "CausaTerminacion"       INTEGER,
    "CausaQ850"              INTEGER,
    "OrigenCorte"            INTEGER,
    "idCampania"             INTEGER,
    "idAgente"               INTEGER,
    "segmentos"              INTEGER NOT NULL,
    "Contexto"               TEXT,
    "idMensaje"              INTEGER NOT NULL,
    "idCaso"                 INTEGER NOT NULL,
    "idCliente"              TEXT,
    "CerradaPorTiempoMaxACW" INTEGER,
    "Duracion"               INTEGER NOT NULL,
    "idTarea"                INTEGER NOT NULL
);

-- Task parameters: the primary key's leading column serves "all parameters of a task".
CREATE TABLE "ParametroTareaEntrada" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" TEXT NOT NULL,
    "Valor"           TEXT NOT NULL,
    PRIMARY KEY ("idTarea", "NombreParametro")
) WITHOUT ROWID;

CREATE TABLE "ParametroTareaSalida" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" TEXT NOT NULL,
    "Valor"           TEXT NOT NULL,
    PRIMARY KEY ("idTarea", "NombreParametro")
) WITHOUT ROWID;
