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
    "FechaCreacion"               TIMESTAMPTZ NOT NULL,
    "Inicio"                      TIMESTAMPTZ,
    "Fin"                         TIMESTAMPTZ,
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
    "Costo"             DOUBLE PRECISION NOT NULL,
    "Legajo"            TEXT,
    "email"             TEXT,
    "Direccion"         TEXT,
    "TelefonoCasa"      TEXT,
    "TelefonoCelular"   TEXT,
    "Activo"            INTEGER NOT NULL,
    "TieneFoto"         INTEGER NOT NULL,
    "UltimoCambioFoto"  TIMESTAMPTZ,
    "FechaAlta"         TIMESTAMPTZ NOT NULL,
    "FechaBaja"         TIMESTAMPTZ,
    "ModoAutenticacion" INTEGER NOT NULL,
    "Token"             INTEGER NOT NULL,
    "rol"               TEXT,
    "Photo"             BYTEA,
    "ContentType"       TEXT,
    "usuarioMIM"        TEXT,
    "esUsuario"         INTEGER NOT NULL,
    "esAgente"          INTEGER NOT NULL,
    "Migrado"           INTEGER NOT NULL
);

CREATE TABLE "Interacciones" (
    "idInteraccion"          VARCHAR(64) PRIMARY KEY,
    "Inicio"                 TIMESTAMPTZ NOT NULL,
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
    "Duracion"               BIGINT NOT NULL,
    "idTarea"                INTEGER NOT NULL
);

-- Task parameters: the primary key's leading column serves "all parameters of a task".
CREATE TABLE "ParametroTareaEntrada" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" VARCHAR(100) NOT NULL,
    "Valor"           VARCHAR(4000) NOT NULL,
    PRIMARY KEY ("idTarea", "NombreParametro")
);

CREATE TABLE "ParametroTareaSalida" (
    "idTarea"         INTEGER NOT NULL,
    "NombreParametro" VARCHAR(100) NOT NULL,
    "Valor"           VARCHAR(4000) NOT NULL,
    PRIMARY KEY ("idTarea", "NombreParametro")
);
