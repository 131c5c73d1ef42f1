//! MitACD's tables as the API knows them (CONTRACT.md section 5): every table, every column
//! in the table's order, its SQL Server type, and whether a response may carry it. The
//! migrations create exactly this; the stores build their statements from it (spelled as
//! `crate::layout` says), the demo loader and `import` write rows through it, and the tests check the database against it.

/// A column's type in MitACD (SQL Server). PostgreSQL holds each as AWS DMS replicates it:
/// `int` → integer, `tinyint` → smallint, `bigint` → bigint, `datetime` → timestamp(3)
/// without time zone (UTC), `varchar(n)` → varchar(n), `varchar(max)` → text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Int,
    TinyInt,
    BigInt,
    /// `varchar(n)`: at most n characters.
    VarChar(u32),
    /// `varchar(max)`.
    Text,
    /// `datetime`: UTC, milliseconds.
    DateTime,
}

impl SqlType {
    /// The type as SQL Server names it (docs, error messages).
    pub fn sql_server(self) -> String {
        match self {
            Self::Int => "int".into(),
            Self::TinyInt => "tinyint".into(),
            Self::BigInt => "bigint".into(),
            Self::VarChar(length) => format!("varchar({length})"),
            Self::Text => "varchar(max)".into(),
            Self::DateTime => "datetime".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub sql_type: SqlType,
    /// NULL-able in MitACD: every column but a key, and `ResultadosGestion.Nombre`.
    pub nullable: bool,
    /// Part of the stored-row response. False for the password columns and `idEmpresa`.
    pub returned: bool,
}

const fn column(name: &'static str, sql_type: SqlType) -> Column {
    Column { name, sql_type, nullable: true, returned: true }
}

const fn key(name: &'static str, sql_type: SqlType) -> Column {
    Column { name, sql_type, nullable: false, returned: true }
}

/// Stored, never sent to a caller (CONTRACT 3.4, 3.5).
const fn withheld(name: &'static str, sql_type: SqlType) -> Column {
    Column { name, sql_type, nullable: true, returned: false }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub primary_key: &'static [&'static str],
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    pub fn returned_columns(&self) -> impl Iterator<Item = &'static Column> {
        self.columns.iter().filter(|column| column.returned)
    }
}

use SqlType::{BigInt, DateTime, Int, Text, TinyInt, VarChar};

pub const INTERACCIONES: Table = Table {
    name: "Interacciones",
    columns: &[
        key("idInteraccion", VarChar(64)),
        column("Inicio", DateTime),
        column("idNumero", Int),
        column("idCRM", VarChar(256)),
        column("Cliente", VarChar(256)),
        column("DNIS", VarChar(24)),
        column("ANI", VarChar(24)),
        column("idResultadoGestion", Int),
        column("CausaTerminacion", Int),
        column("CausaQ850", Int),
        column("OrigenCorte", Int),
        column("idCampania", Int),
        column("idAgente", Int),
        column("segmentos", Int),
        column("Contexto", Text),
        column("idMensaje", Int),
        column("idCaso", Int),
        column("idCliente", VarChar(256)),
        column("CerradaPorTiempoMaxACW", TinyInt),
        column("Duracion", BigInt),
        column("idTarea", Int),
    ],
    primary_key: &["idInteraccion"],
};

pub const CAMPANIAS: Table = Table {
    name: "Campanias",
    columns: &[
        key("idCampania", Int),
        withheld("idEmpresa", Int),
        column("Nombre", VarChar(256)),
        column("ModoCampania", TinyInt),
        column("TipoContacto", TinyInt),
        column("FechaCreacion", DateTime),
        column("Inicio", VarChar(1024)),
        column("Fin", VarChar(1024)),
        column("idCriterioRellamada", Int),
        column("idGrupoFeriado", Int),
        column("idBandaHoraria", Int),
        column("idGrupoRecursos", Int),
        column("idGrupoResultadosGestion", Int),
        column("idGrupoWordSpottingOperador", Int),
        column("idGrupoWordSpottingCliente", Int),
        column("idListaNoLlame", Int),
        column("idGrupoTiposBookmark", Int),
        column("DNIS", VarChar(24)),
        column("Token", Int),
        column("VinculoDefault", TinyInt),
        column("idCuenta", Int),
        column("idGrupoPlantillasMensajes", Int),
        column("Activa", TinyInt),
        column("ContextoInactiva", VarChar(2048)),
    ],
    primary_key: &["idCampania"],
};

pub const AGENTES: Table = Table {
    name: "Agentes",
    columns: &[
        key("idAgente", Int),
        column("Nombre", VarChar(256)),
        column("idGrupo", Int),
        column("idPerfil", Int),
        column("Usuario", VarChar(24)),
        withheld("Password", VarChar(256)),
        column("Superusuario", TinyInt),
        column("LoginId", VarChar(24)),
        withheld("PasswordLoginId", VarChar(256)),
        column("idPerfilAgente", Int),
        column("Costo", Int),
        column("Legajo", VarChar(24)),
        column("email", VarChar(256)),
        column("Direccion", VarChar(256)),
        column("TelefonoCasa", VarChar(24)),
        column("TelefonoCelular", VarChar(24)),
        column("Activo", TinyInt),
        column("TieneFoto", TinyInt),
        column("UltimoCambioFoto", DateTime),
        column("FechaAlta", DateTime),
        column("FechaBaja", DateTime),
        column("ModoAutenticacion", TinyInt),
        column("Token", Int),
        column("rol", VarChar(100)),
        column("Photo", VarChar(200)),
        column("ContentType", VarChar(50)),
        column("usuarioMIM", VarChar(24)),
        withheld("passwordMIM", VarChar(256)),
        column("esUsuario", TinyInt),
        column("esAgente", TinyInt),
        column("Migrado", TinyInt),
    ],
    primary_key: &["idAgente"],
};

pub const GRUPOS: Table = Table {
    name: "Grupos",
    columns: &[key("idGrupo", Int), column("Nombre", VarChar(256)), column("idSupervisor", Int)],
    primary_key: &["idGrupo"],
};

pub const CAUSAS_TERMINACION: Table = Table {
    name: "CausasTerminacion",
    columns: &[
        key("CodigoTerminacion", Int),
        column("Descripcion", VarChar(256)),
        column("PuntajeDefault", Int),
        column("TiempoDefault", Int),
    ],
    primary_key: &["CodigoTerminacion"],
};

pub const ORIGENES_CORTE: Table = Table {
    name: "OrigenesCorte",
    columns: &[key("idOrigenCorte", Int), column("Descripcion", VarChar(256))],
    primary_key: &["idOrigenCorte"],
};

pub const RESULTADOS_GESTION: Table = Table {
    name: "ResultadosGestion",
    columns: &[
        key("idResultadoGestion", Int),
        Column { name: "Nombre", sql_type: VarChar(256), nullable: false, returned: true },
        column("id", VarChar(256)),
        column("TipoDefault", TinyInt),
        column("TiempoRellamadaDefault", Int),
        column("idParent", Int),
        column("NombreCompleto", Text),
        column("Nivel", Int),
        column("EsResultado", TinyInt),
    ],
    primary_key: &["idResultadoGestion"],
};

pub const MODO_CAMPANIA: Table = Table {
    name: "ModoCampania",
    columns: &[key("idModoCampania", TinyInt), column("Descripcion", VarChar(256))],
    primary_key: &["idModoCampania"],
};

const PARAMETER_COLUMNS: &[Column] =
    &[key("idTarea", Int), key("NombreParametro", VarChar(100)), column("Valor", VarChar(4000))];

pub const PARAMETROS_TAREA_ENTRADA: Table =
    Table { name: "ParametrosTareaEntrada", columns: PARAMETER_COLUMNS, primary_key: &["idTarea", "NombreParametro"] };

pub const PARAMETROS_TAREA_SALIDA: Table =
    Table { name: "ParametrosTareaSalida", columns: PARAMETER_COLUMNS, primary_key: &["idTarea", "NombreParametro"] };

/// Every MitACD table the API reads or writes, lookups before the tables that point at them.
pub const TABLES: [&Table; 10] = [
    &MODO_CAMPANIA,
    &GRUPOS,
    &CAUSAS_TERMINACION,
    &ORIGENES_CORTE,
    &RESULTADOS_GESTION,
    &CAMPANIAS,
    &AGENTES,
    &INTERACCIONES,
    &PARAMETROS_TAREA_ENTRADA,
    &PARAMETROS_TAREA_SALIDA,
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.into_iter().find(|table| table.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_primary_key_column_exists_and_is_not_nullable() {
        for table in TABLES {
            for key in table.primary_key {
                let column = table.column(key).unwrap_or_else(|| panic!("{}.{key}", table.name));
                assert!(!column.nullable, "{}.{key}", table.name);
            }
        }
    }
}
