// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

row_by_position! {
    /// A row of `Agentes`, as stored (`GET /v3/agents/{id}`, CONTRACT 3.5).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Agent {
        pub idAgente: i32,
        pub Nombre: String,
        pub idGrupo: Option<i32>,
        pub idPerfil: Option<i32>,
        pub Usuario: Option<String>,
        pub Superusuario: i32,
        pub LoginId: Option<String>,
        pub idPerfilAgente: Option<i32>,
        pub Costo: Cost,
        pub Legajo: Option<String>,
        pub email: Option<String>,
        pub Direccion: Option<String>,
        pub TelefonoCasa: Option<String>,
        pub TelefonoCelular: Option<String>,
        pub Activo: i32,
        pub TieneFoto: i32,
        pub UltimoCambioFoto: Option<Timestamp>,
        pub FechaAlta: Timestamp,
        pub FechaBaja: Option<Timestamp>,
        pub ModoAutenticacion: i32,
        pub Token: i32,
        pub rol: Option<String>,
        pub Photo: Option<AgentPhoto>,
        pub ContentType: Option<String>,
        pub usuarioMIM: Option<String>,
        pub esUsuario: i32,
        pub esAgente: i32,
        pub Migrado: i32,
    }
}

/// An agent's cost: a JSON number that prints without a fraction when it is integral
/// (`0`, not `0.0`), as the old service's JavaScript numbers did.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct Cost(pub f64);

/// Integers beyond 2^53 are not exact in an f64, so only those below it print as integers.
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

impl Serialize for Cost {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
            serializer.serialize_i64(value as i64)
        } else {
            serializer.serialize_f64(value)
        }
    }
}

/// The agent's photo: stored as bytes, printed as standard base64.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct AgentPhoto(pub Vec<u8>);

impl Serialize for AgentPhoto {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for AgentPhoto {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        BASE64.decode(text.as_bytes()).map(AgentPhoto).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_cost_prints_without_a_fraction() {
        assert_eq!(serde_json::to_string(&Cost(0.0)).unwrap(), "0");
        assert_eq!(serde_json::to_string(&Cost(-12.0)).unwrap(), "-12");
    }

    #[test]
    fn fractional_cost_prints_its_fraction() {
        assert_eq!(serde_json::to_string(&Cost(12.5)).unwrap(), "12.5");
    }

    #[test]
    fn photo_prints_as_base64() {
        assert_eq!(serde_json::to_string(&AgentPhoto(vec![0xff, 0xd8, 0xff])).unwrap(), r#""/9j/""#);
    }
}
